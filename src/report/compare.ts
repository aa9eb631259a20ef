import type { MetricRule } from '../runner/references.js';
import { formatValue, formatWithUnit } from './format.js';
import type { JsonReport } from './json-report.js';
import { median } from './statistics.js';

export interface CompareOptions {
  /** A node is flagged when its metric is worse than the fleet median by more than this fraction. */
  tolerance?: number;
  /** Which way each metric is better (references/nodes.yaml `metrics`). */
  rules: readonly MetricRule[];
}

export interface CompareColumn {
  /** `workload/engine/backend`. */
  caseKey: string;
  metric: string;
  unit: string;
  better: 'lower' | 'higher' | null;
  median: number | null;
  /** Per node: the value, or null when the node has no passing measurement of it. */
  values: Record<string, number | null>;
}

export type CompareFlag =
  | { node: string; kind: 'worse-than-fleet'; caseKey: string; metric: string; value: number; median: number; deviation: number; message: string }
  | { node: string; kind: 'passed-where-most-failed' | 'failed-where-most-passed'; caseKey: string; message: string };

export interface CompareResult {
  tolerance: number;
  nodes: string[];
  columns: CompareColumn[];
  /** Per node and case key: the outcome. */
  outcomes: Record<string, Record<string, string>>;
  flags: CompareFlag[];
  /** Things the reader should know (ignored duplicate reports, metrics without a direction). */
  notes: string[];
}

export interface NamedReport {
  file: string;
  report: JsonReport;
}

/**
 * Fleet comparison: the slow-but-passing node is the one whose numbers sit far from its peers'
 * median, in the metric's bad direction. Quality thresholds cannot catch it; its peers can.
 */
export function compareReports(inputs: readonly NamedReport[], options: CompareOptions): CompareResult {
  const tolerance = options.tolerance ?? 0.1;
  const notes: string[] = [];
  const latest = new Map<string, NamedReport>();
  for (const input of inputs) {
    const host = input.report.session.host;
    const earlier = latest.get(host);
    if (!earlier || earlier.report.session.startedAt < input.report.session.startedAt) {
      if (earlier) notes.push(`${host}: using ${input.file}, the later of its reports (ignoring ${earlier.file})`);
      latest.set(host, input);
    } else {
      notes.push(`${host}: using ${earlier.file}, the later of its reports (ignoring ${input.file})`);
    }
  }
  const nodes = [...latest.keys()].sort();

  const outcomes: Record<string, Record<string, string>> = {};
  const columnsByKey = new Map<string, CompareColumn>();
  for (const node of nodes) {
    outcomes[node] = {};
    for (const c of latest.get(node)!.report.cases) {
      const caseKey = `${c.workload}/${c.engine}/${c.backend}`;
      outcomes[node][caseKey] = c.outcome;
      if (c.outcome !== 'pass' && c.outcome !== 'warn') continue;
      for (const [metric, m] of Object.entries(c.metrics)) {
        if (m.value === null) continue;
        const key = `${caseKey} ${metric}`;
        let column = columnsByKey.get(key);
        if (!column) {
          const rule = options.rules.find((r) => r.pattern.test(metric));
          column = { caseKey, metric, unit: m.unit, better: rule?.better ?? null, median: null, values: {} };
          columnsByKey.set(key, column);
        }
        column.values[node] = m.value;
      }
    }
  }
  const columns = [...columnsByKey.values()].sort((a, b) => a.caseKey.localeCompare(b.caseKey) || a.metric.localeCompare(b.metric));
  const flags: CompareFlag[] = [];
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
        caseKey: column.caseKey,
        metric: column.metric,
        value,
        median: column.median,
        deviation,
        message: `${column.caseKey} ${column.metric} ${formatWithUnit(value, column.unit)} is ${percent}% ${column.better === 'lower' ? 'higher' : 'lower'} than the fleet median ${formatWithUnit(column.median, column.unit)} (tolerance ${formatValue(tolerance * 100)}%)`,
      });
    }
  }
  if (undirected.size) notes.push(`not judged (no direction in the metric rules): ${[...undirected].sort().join(', ')}`);

  const caseKeys = [...new Set(nodes.flatMap((n) => Object.keys(outcomes[n]!)))].sort();
  for (const caseKey of caseKeys) {
    const decided = nodes.filter((n) => ['pass', 'warn', 'fail'].includes(outcomes[n]![caseKey] ?? ''));
    const failed = decided.filter((n) => outcomes[n]![caseKey] === 'fail');
    const passed = decided.filter((n) => outcomes[n]![caseKey] !== 'fail');
    if (failed.length * 2 > decided.length) {
      for (const node of passed) {
        flags.push({ node, kind: 'passed-where-most-failed', caseKey, message: `${caseKey} passed here but failed on ${failed.length} of ${decided.length} nodes` });
      }
    } else if (passed.length * 2 > decided.length) {
      for (const node of failed) {
        flags.push({ node, kind: 'failed-where-most-passed', caseKey, message: `${caseKey} failed here but passed on ${passed.length} of ${decided.length} nodes` });
      }
    }
  }
  flags.sort((a, b) => a.node.localeCompare(b.node) || a.caseKey.localeCompare(b.caseKey));
  return { tolerance, nodes, columns, outcomes, flags, notes };
}

/** A nodes × metrics table; a flagged cell carries its deviation and a `!`. Then the flags, one per line. */
export function renderCompare(result: CompareResult): string {
  const header = ['NODE', ...result.columns.map((c) => `${c.caseKey} ${c.metric}${c.unit ? ` [${c.unit}]` : ''}`)];
  const flagged = new Map(result.flags.filter((f) => f.kind === 'worse-than-fleet').map((f) => [`${f.node} ${f.caseKey} ${f.metric}`, f]));
  const rows = result.nodes.map((node) => [
    node,
    ...result.columns.map((c) => {
      const value = c.values[node];
      if (value === null || value === undefined) return '-';
      const flag = flagged.get(`${node} ${c.caseKey} ${c.metric}`);
      return flag && flag.kind === 'worse-than-fleet' ? `${formatValue(value)} (${flag.deviation > 0 ? '+' : ''}${(flag.deviation * 100).toFixed(0)}%)!` : formatValue(value);
    }),
  ]);
  rows.push(['(median)', ...result.columns.map((c) => (c.median === null ? '-' : formatValue(c.median)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  const lines = [line(header), ...rows.map(line)];
  for (const note of result.notes) lines.push(`note: ${note}`);
  for (const flag of result.flags) lines.push(`FLAG ${flag.node}: ${flag.message}`);
  const flaggedNodes = [...new Set(result.flags.map((f) => f.node))];
  lines.push(
    flaggedNodes.length
      ? `mlcheck compare: ${flaggedNodes.length} of ${result.nodes.length} nodes flagged: ${flaggedNodes.join(', ')}`
      : `mlcheck compare: no node flagged among ${result.nodes.length} (tolerance ${formatValue(result.tolerance * 100)}%)`,
  );
  return `${lines.join('\n')}\n`;
}
