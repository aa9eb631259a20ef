import path from 'node:path';
import { referenceCaseKeys } from '../references/case-key.js';
import type { MetricRule } from '../references/node-references.js';
import { formatValue, formatWithUnit } from '../util/format-number.js';
import type { JsonReport } from './json-report.js';
import { median } from '../util/statistics.js';
import { sanitizeText } from '../util/sanitize-text.js';
import type { RefusedReport } from './read-reports.js';

export interface CompareOptions {
  /** A node is flagged when its metric is worse than the fleet median by more than this fraction. */
  tolerance?: number;
  /** Which way each metric is better (references/nodes.yaml `metrics`). */
  rules: readonly MetricRule[];
}

export interface CompareColumn {
  /** The profile the reports ran: a quick run is never compared with a standard one. */
  profile: string;
  /** `workload[@modelBasename]/engine/backend`, as the node references key it. */
  caseKey: string;
  /** The hyperparameters that set this column apart from others of the same case and profile (`batch_size=32`); '' when none do. */
  variant: string;
  /** How the table and the flags name the column. */
  label: string;
  metric: string;
  unit: string;
  better: 'lower' | 'higher' | null;
  median: number | null;
  /** Per node: the value, or null when the node has no passing measurement of it. */
  values: Record<string, number | null>;
}

export type CompareFlag =
  | { node: string; kind: 'worse-than-fleet'; profile: string; caseKey: string; variant: string; metric: string; value: number; median: number; deviation: number; message: string }
  | { node: string; kind: 'passed-where-most-failed' | 'failed-where-most-passed'; profile: string; caseKey: string; message: string }
  /** Several reports claim this host for one profile: a report cannot prove where it ran, so none may quietly displace another. */
  | { node: string; kind: 'several-reports'; profile: string; files: string[]; message: string };

export interface CompareResult {
  tolerance: number;
  nodes: string[];
  columns: CompareColumn[];
  /** Per node, profile and case key: the outcome. */
  outcomes: Record<string, Record<string, Record<string, string>>>;
  flags: CompareFlag[];
  /** Things the reader should know (ignored duplicate reports, runs kept apart, metrics without a direction). */
  notes: string[];
}

export interface NamedReport {
  file: string;
  report: JsonReport;
}

type ReportCase = JsonReport['cases'][number];

/**
 * Fleet comparison: the slow-but-passing node is the one whose numbers sit far from its peers'
 * median, in the metric's bad direction. Quality thresholds cannot catch it; its peers can.
 * Only like runs are compared: same profile, same model, same hyperparameters.
 */
export function compareReports(inputs: readonly NamedReport[], options: CompareOptions): CompareResult {
  const tolerance = options.tolerance ?? 0.1;
  const notes: string[] = [];
  const flags: CompareFlag[] = [];
  const latest = latestPerHostAndProfile(inputs, notes, flags);
  const nodes = [...new Set(latest.map((input) => input.report.session.host))].sort();
  const profiles = [...new Set(latest.map((input) => input.report.session.profile))].sort();
  if (profiles.length > 1) notes.push(`reports of profiles ${profiles.join(', ')} were kept apart: a column compares runs of one profile only`);

  // Keyed by what reports claim (hosts, case ids): no key may reach Object.prototype (__proto__).
  const outcomes = keyed<Record<string, Record<string, string>>>();
  for (const node of nodes) outcomes[node] = keyed();
  interface Measured { node: string; profile: string; caseKey: string; settings: Record<string, string>; fingerprint: string; case: ReportCase }
  const measured: Measured[] = [];
  for (const input of latest) {
    const node = input.report.session.host;
    for (const c of input.report.cases) {
      const profile = c.profile ?? input.report.session.profile;
      const caseKey = referenceCaseKeys(c)[0]!;
      (outcomes[node]![profile] ??= keyed())[caseKey] = c.outcome;
      if (c.outcome !== 'pass' && c.outcome !== 'warn') continue;
      const settings = comparableSettings(c.hyperparameters);
      measured.push({ node, profile, caseKey, settings, fingerprint: JSON.stringify(settings), case: c });
    }
  }
  notes.push(...modelNotes(measured));

  // Same case and profile but other hyperparameters (an override, another seed): a column of its own, named by what differs.
  const variants = new Map<string, Map<string, string>>();
  for (const group of groupBy(measured, (m) => `${m.profile} ${m.caseKey}`).values()) {
    const fingerprints = [...new Set(group.map((m) => m.fingerprint))];
    const names = new Map<string, string>(fingerprints.map((f) => [f, '']));
    if (fingerprints.length > 1) {
      const all = fingerprints.map((f) => JSON.parse(f) as Record<string, string>);
      const setting = (settings: Record<string, string>, key: string): string | undefined => (Object.hasOwn(settings, key) ? settings[key] : undefined);
      const differing = [...new Set(all.flatMap((s) => Object.keys(s)))].filter((key) => new Set(all.map((s) => setting(s, key))).size > 1).sort();
      for (const [i, f] of fingerprints.entries()) names.set(f, differing.map((key) => `${key}=${setting(all[i]!, key) ?? '-'}`).join(','));
      const first = group[0]!;
      notes.push(`${first.profile} ${first.caseKey} ran with different hyperparameters (${differing.join(', ')}): each setting is compared on its own`);
    }
    variants.set(`${group[0]!.profile} ${group[0]!.caseKey}`, names);
  }

  const columnsByKey = new Map<string, CompareColumn>();
  for (const m of measured) {
    const variant = variants.get(`${m.profile} ${m.caseKey}`)!.get(m.fingerprint)!;
    for (const [metric, value] of Object.entries(m.case.metrics)) {
      if (value.value === null) continue;
      const key = `${m.profile} ${m.caseKey} ${variant} ${metric}`;
      let column = columnsByKey.get(key);
      if (!column) {
        const rule = options.rules.find((r) => r.pattern.test(metric));
        const label = `${profiles.length > 1 ? `${m.profile}:` : ''}${m.caseKey}${variant ? `{${variant}}` : ''}`;
        column = { profile: m.profile, caseKey: m.caseKey, variant, label, metric, unit: value.unit, better: rule?.better ?? null, median: null, values: keyed() };
        columnsByKey.set(key, column);
      }
      column.values[m.node] = value.value;
    }
  }
  const columns = [...columnsByKey.values()].sort(
    (a, b) => a.profile.localeCompare(b.profile) || a.caseKey.localeCompare(b.caseKey) || a.variant.localeCompare(b.variant) || a.metric.localeCompare(b.metric),
  );
  const undirected = new Set<string>();
  for (const column of columns) {
    for (const node of nodes) column.values[node] ??= null;
    const present = nodes.filter((n) => column.values[n] !== null);
    column.median = present.length ? median(present.map((n) => column.values[n]!)) : null;
    if (present.length < 2 || column.median === null || column.median === 0) continue;
    if (column.better === null) {
      undirected.add(column.metric);
      continue;
    }
    for (const node of present) {
      const value = column.values[node]!;
      const deviation = (value - column.median) / Math.abs(column.median);
      const worse = column.better === 'lower' ? deviation > tolerance : deviation < -tolerance;
      if (!worse) continue;
      const percent = Math.abs(deviation * 100).toFixed(1);
      flags.push({
        node,
        kind: 'worse-than-fleet',
        profile: column.profile,
        caseKey: column.caseKey,
        variant: column.variant,
        metric: column.metric,
        value,
        median: column.median,
        deviation,
        message: `${column.label} ${column.metric} ${formatWithUnit(value, column.unit)} is ${percent}% ${column.better === 'lower' ? 'higher' : 'lower'} than the fleet median ${formatWithUnit(column.median, column.unit)} (tolerance ${formatValue(tolerance * 100)}%)`,
      });
    }
  }
  if (undirected.size) notes.push(`not judged (no direction in the metric rules): ${[...undirected].sort().join(', ')}`);

  for (const profile of profiles) {
    const caseKeys = [...new Set(nodes.flatMap((n) => Object.keys(outcomes[n]![profile] ?? {})))].sort();
    for (const caseKey of caseKeys) {
      const outcome = (node: string): string => outcomes[node]![profile]?.[caseKey] ?? '';
      const label = `${profiles.length > 1 ? `${profile}:` : ''}${caseKey}`;
      const decided = nodes.filter((n) => ['pass', 'warn', 'fail'].includes(outcome(n)));
      const failed = decided.filter((n) => outcome(n) === 'fail');
      const passed = decided.filter((n) => outcome(n) !== 'fail');
      if (failed.length * 2 > decided.length) {
        for (const node of passed) {
          flags.push({ node, kind: 'passed-where-most-failed', profile, caseKey, message: `${label} passed here but failed on ${failed.length} of ${decided.length} nodes` });
        }
      } else if (passed.length * 2 > decided.length) {
        for (const node of failed) {
          flags.push({ node, kind: 'failed-where-most-passed', profile, caseKey, message: `${label} failed here but passed on ${passed.length} of ${decided.length} nodes` });
        }
      }
    }
  }
  const caseKeyOf = (flag: CompareFlag): string => ('caseKey' in flag ? flag.caseKey : '');
  flags.sort((a, b) => a.node.localeCompare(b.node) || a.profile.localeCompare(b.profile) || caseKeyOf(a).localeCompare(caseKeyOf(b)));
  return { tolerance, nodes, columns, outcomes, flags, notes };
}

/**
 * A host's latest report of each profile: its quick run and its standard run are both kept, for
 * different columns. A report names its host itself, and anyone who can write where reports are
 * kept can write one naming any host; so when several reports claim one host and profile, the
 * later is used for the table but the host is flagged, naming every file and what each says: a
 * planted report can never quietly displace the real one (and its failure).
 */
function latestPerHostAndProfile(inputs: readonly NamedReport[], notes: string[], flags: CompareFlag[]): NamedReport[] {
  const claims = new Map<string, NamedReport[]>();
  for (const input of inputs) {
    const { host, profile } = input.report.session;
    const key = JSON.stringify([host, profile]);
    (claims.get(key) ?? claims.set(key, []).get(key)!).push(input);
  }
  const latest: NamedReport[] = [];
  for (const group of claims.values()) {
    let chosen = group[0]!;
    for (const input of group.slice(1)) {
      const later = Date.parse(chosen.report.session.startedAt) < Date.parse(input.report.session.startedAt);
      const [used, ignored] = later ? [input, chosen] : [chosen, input];
      const { host, profile } = used.report.session;
      notes.push(`${host}: using ${used.file}, the later of its ${profile} reports (ignoring ${ignored.file})`);
      chosen = used;
    }
    latest.push(chosen);
    if (group.length === 1) continue;
    const { host, profile } = chosen.report.session;
    const described = group.map((input) => `${input.file} (started ${input.report.session.startedAt}: ${input.report.outcome?.summary ?? 'no outcome'})`);
    flags.push({
      node: host,
      kind: 'several-reports',
      profile,
      files: group.map((input) => input.file),
      message: `${group.length} ${profile} reports claim this host: ${described.join('; ')}. The table uses ${chosen.file}; remove the reports that are not this host's, or compare them apart`,
    });
  }
  return latest;
}

/** A record without a prototype, for keys that come from reports. */
function keyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * The hyperparameters as compared: the model is already in the case key, and a file path names
 * the same file on every node however the install is laid out, so only its base name counts.
 */
function comparableSettings(hyperparameters: ReportCase['hyperparameters']): Record<string, string> {
  const settings = keyed<string>();
  for (const key of Object.keys(hyperparameters).sort()) {
    if (key === 'model') continue;
    const value = hyperparameters[key];
    settings[key] = typeof value === 'string' && path.isAbsolute(value) ? path.basename(value) : JSON.stringify(value);
  }
  return settings;
}

/** When one workload ran with different models, say that each model is compared only with itself. */
function modelNotes(measured: readonly { profile: string; caseKey: string }[]): string[] {
  const models = new Map<string, Set<string>>();
  for (const { caseKey } of measured) {
    const [workload, model] = caseKey.split('/')[0]!.split('@');
    (models.get(workload!) ?? models.set(workload!, new Set()).get(workload!)!).add(model ?? '(default model)');
  }
  return [...models.entries()]
    .filter(([, names]) => names.size > 1)
    .map(([workload, names]) => `${workload} ran with different models (${[...names].sort().join(', ')}): each model is compared only with itself`);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) (groups.get(key(item)) ?? groups.set(key(item), []).get(key(item))!).push(item);
  return groups;
}

export interface RenderCompareOptions {
  /** Files that could not count (readReports): listed with their problem, and the comparison is called incomplete. */
  refused?: readonly RefusedReport[];
}

/** Names (hosts, case keys, metrics) and messages come from reports: each is sanitised and capped before it is printed. */
const NAME_MAX_LENGTH = 100;
const LINE_MAX_LENGTH = 1000;
const name = (text: string): string => sanitizeText(text, { oneLine: true, maxLength: NAME_MAX_LENGTH });
const line = (text: string): string => sanitizeText(text, { oneLine: true, maxLength: LINE_MAX_LENGTH });

/**
 * A nodes × metrics table; a flagged cell carries its deviation and a `!`. Then the notes, the
 * flags and the refused files, one per line, and a last line that sums up.
 */
export function renderCompare(result: CompareResult, options: RenderCompareOptions = {}): string {
  const refused = options.refused ?? [];
  const header = ['NODE', ...result.columns.map((c) => name(`${c.label} ${c.metric}${c.unit ? ` [${c.unit}]` : ''}`))];
  const cellKey = (node: string, c: { profile: string; caseKey: string; variant: string; metric: string }): string => JSON.stringify([node, c.profile, c.caseKey, c.variant, c.metric]);
  const flagged = new Map(result.flags.flatMap((f) => (f.kind === 'worse-than-fleet' ? [[cellKey(f.node, f), f] as const] : [])));
  const rows = result.nodes.map((node) => [
    name(node),
    ...result.columns.map((c) => {
      const value = c.values[node];
      if (value === null || value === undefined) return '-';
      const flag = flagged.get(cellKey(node, c));
      return flag ? `${formatValue(value)} (${flag.deviation > 0 ? '+' : ''}${(flag.deviation * 100).toFixed(0)}%)!` : formatValue(value);
    }),
  ]);
  rows.push(['(median)', ...result.columns.map((c) => (c.median === null ? '-' : formatValue(c.median)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const tableLine = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  const lines = [tableLine(header), ...rows.map(tableLine)];
  for (const note of result.notes) lines.push(line(`note: ${note}`));
  for (const flag of result.flags) lines.push(line(`FLAG ${flag.node}: ${flag.message}`));
  for (const file of refused) lines.push(line(`REFUSED ${file.file}${file.claimedHost === null ? '' : ` (claims host ${name(file.claimedHost)})`}: ${file.problem}`));
  const flaggedNodes = [...new Set(result.flags.map((f) => name(f.node)))];
  const incomplete = refused.length === 0 ? '' : `; ${refused.length} report${refused.length === 1 ? '' : 's'} refused, so the comparison is incomplete`;
  lines.push(
    flaggedNodes.length
      ? `mlcheck compare: ${flaggedNodes.length} of ${result.nodes.length} nodes flagged: ${flaggedNodes.join(', ')}${incomplete}`
      : `mlcheck compare: no node flagged among ${result.nodes.length} (tolerance ${formatValue(result.tolerance * 100)}%)${incomplete}`,
  );
  return `${lines.join('\n')}\n`;
}
