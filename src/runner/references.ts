import { referenceCaseKeys, type ReferenceCaseIdentity } from './reference-key.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../util/errors.js';
import { packageRoot } from '../util/package-info.js';
import { PROFILE_IDS, type Measurement, type ProfileId } from '../workloads/types.js';
import { judgeMetrics } from './judge.js';
import type { ReferenceLookup } from './run.js';
import type { JudgedMetric, PerformanceReference } from './types.js';

/**
 * references/nodes.yaml: performance references per node class, as ReFrame keeps them per
 * system partition. A node class is matched from the probe: its GPU model, or its CPU model
 * when it has no GPU. See the file's header for the format.
 */
export const NODES_SCHEMA_VERSION = 1;

export type Better = 'lower' | 'higher';
export type MetricKind = 'performance' | 'quality';

/** Which way a metric is better and what it measures, by name pattern (first match wins). */
export interface MetricRule {
  pattern: RegExp;
  better: Better;
  kind: MetricKind;
}

export interface ReferenceValue {
  value: number;
  lower: number | null;
  upper: number | null;
  unit: string;
}

/** Case key (`workload/engine/backend` or `workload/engine`) -> metric -> reference. */
export type CaseReferences = Record<string, Record<string, ReferenceValue>>;

export interface NodeClass {
  id: string;
  description: string;
  /** Case-insensitive regular expressions on the probe's GPU name / CPU brand. */
  match: { gpu?: string; cpu?: string };
  /** How many NVIDIA GPUs a node of this class has; fewer seen fails the gpu-count verdict. */
  expectGpus?: number;
  references: Partial<Record<ProfileId, CaseReferences>>;
}

export interface NodeReferenceFile {
  file: string;
  metrics: MetricRule[];
  nodeClasses: NodeClass[];
}

/** The few probe fields a node class is matched on (a ProbeSnapshot has them). */
export interface NodeIdentitySource {
  cpu?: { brand?: string | null } | null;
  gpus?: readonly { name?: string | null }[] | null;
}

export interface NodeIdentity {
  kind: 'gpu' | 'cpu';
  model: string;
}

export const defaultNodesFile = (): string => path.join(packageRoot, 'references', 'nodes.yaml');

/** Reads and validates a nodes.yaml; every mistake names the file, the key path and the fix. */
export function loadNodeReferences(file: string = defaultNodesFile()): NodeReferenceFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the node reference file ${file}: ${(error as Error).message}`, {
      file,
      fix: 'pass an existing file to --references, or write one with `mlcheck bench --save-reference FILE`',
      cause: error,
    });
  }
  return parseNodeReferences(text, file);
}

export function parseNodeReferences(text: string, file: string): NodeReferenceFile {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new UsageError(`invalid YAML in the node reference file ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  const fail = (where: string, expected: string, found: unknown): never => {
    throw new UsageError(`invalid node reference file ${file} at ${where}`, { file, expected, found: JSON.stringify(found) ?? 'nothing' });
  };
  if (!isRecord(raw)) return fail('the top level', 'a mapping with schemaVersion, metrics, nodeClasses', raw);
  if (raw.schemaVersion !== NODES_SCHEMA_VERSION) return fail('schemaVersion', String(NODES_SCHEMA_VERSION), raw.schemaVersion);

  const metrics: MetricRule[] = [];
  const rawMetrics = raw.metrics ?? [];
  if (!Array.isArray(rawMetrics)) return fail('metrics', 'a list of {match, better, kind}', rawMetrics);
  for (const [i, rule] of rawMetrics.entries()) {
    const at = `metrics[${i}]`;
    if (!isRecord(rule) || typeof rule.match !== 'string') return fail(`${at}.match`, 'a regular expression on metric names', isRecord(rule) ? rule.match : rule);
    if (rule.better !== 'lower' && rule.better !== 'higher') return fail(`${at}.better`, 'lower or higher', rule.better);
    if (rule.kind !== 'performance' && rule.kind !== 'quality') return fail(`${at}.kind`, 'performance or quality', rule.kind);
    metrics.push({ pattern: compilePattern(rule.match, `${at}.match`, fail), better: rule.better, kind: rule.kind });
  }

  const rawClasses = raw.nodeClasses ?? [];
  if (!Array.isArray(rawClasses)) return fail('nodeClasses', 'a list of node classes', rawClasses);
  const nodeClasses: NodeClass[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of rawClasses.entries()) {
    const at = `nodeClasses[${i}]`;
    if (!isRecord(entry) || typeof entry.id !== 'string' || !entry.id) return fail(`${at}.id`, 'a non-empty name', isRecord(entry) ? entry.id : entry);
    if (seen.has(entry.id)) return fail(`${at}.id`, 'a name not used by an earlier node class', entry.id);
    seen.add(entry.id);
    const match = entry.match;
    if (!isRecord(match) || (match.gpu === undefined && match.cpu === undefined)) return fail(`${at}.match`, '{gpu: REGEX} or {cpu: REGEX}', match);
    for (const key of ['gpu', 'cpu'] as const) {
      if (match[key] !== undefined) {
        if (typeof match[key] !== 'string') return fail(`${at}.match.${key}`, 'a regular expression', match[key]);
        compilePattern(match[key], `${at}.match.${key}`, fail);
      }
    }
    const references: NodeClass['references'] = {};
    const rawReferences = entry.references ?? {};
    if (!isRecord(rawReferences)) return fail(`${at}.references`, 'a mapping of profiles (quick, standard, reference)', rawReferences);
    for (const [profile, cases] of Object.entries(rawReferences)) {
      if (!PROFILE_IDS.includes(profile as ProfileId)) return fail(`${at}.references.${profile}`, `a profile: ${PROFILE_IDS.join(', ')}`, profile);
      if (!isRecord(cases)) return fail(`${at}.references.${profile}`, 'a mapping of workload/engine/backend keys', cases);
      const caseReferences: CaseReferences = {};
      for (const [caseKey, metricMap] of Object.entries(cases)) {
        const caseAt = `${at}.references.${profile}.${caseKey}`;
        if (!/^[^/\s]+\/[^/\s]+(\/[^/\s]+)?$/.test(caseKey)) return fail(caseAt, 'a key workload/engine or workload/engine/backend', caseKey);
        if (!isRecord(metricMap)) return fail(caseAt, 'a mapping of metric names', metricMap);
        caseReferences[caseKey] = {};
        for (const [metric, ref] of Object.entries(metricMap)) {
          caseReferences[caseKey][metric] = referenceValue(ref, `${caseAt}.${metric}`, fail);
        }
      }
      references[profile as ProfileId] = caseReferences;
    }
    const expectGpus = entry.expectGpus;
    if (expectGpus !== undefined && !(typeof expectGpus === 'number' && Number.isInteger(expectGpus) && expectGpus >= 0)) {
      return fail(`${at}.expectGpus`, 'the number of NVIDIA GPUs a node of this class has (a whole number >= 0)', expectGpus);
    }
    nodeClasses.push({
      id: entry.id,
      description: typeof entry.description === 'string' ? entry.description : '',
      match: { ...(typeof match.gpu === 'string' && { gpu: match.gpu }), ...(typeof match.cpu === 'string' && { cpu: match.cpu }) },
      ...(expectGpus !== undefined && { expectGpus }),
      references,
    });
  }
  return { file, metrics, nodeClasses };
}

function referenceValue(raw: unknown, at: string, fail: (where: string, expected: string, found: unknown) => never): ReferenceValue {
  const shape = '{value: number, lower: fraction <= 0 or null, upper: fraction >= 0 or null, unit: string}';
  if (!isRecord(raw)) return fail(at, shape, raw);
  if (typeof raw.value !== 'number' || !Number.isFinite(raw.value) || raw.value === 0) return fail(`${at}.value`, 'a finite non-zero number', raw.value);
  const lower = raw.lower ?? null;
  const upper = raw.upper ?? null;
  if (lower !== null && (typeof lower !== 'number' || lower > 0 || lower < -1)) return fail(`${at}.lower`, 'a fraction between -1 and 0 (e.g. -0.1 for 10 % below), or null for unbounded', lower);
  if (upper !== null && (typeof upper !== 'number' || upper < 0)) return fail(`${at}.upper`, 'a fraction >= 0 (e.g. 0.1 for 10 % above), or null for unbounded', upper);
  if (typeof raw.unit !== 'string') return fail(`${at}.unit`, 'a unit string ("" for none)', raw.unit);
  return { value: raw.value, lower, upper, unit: raw.unit };
}

function compilePattern(source: string, at: string, fail: (where: string, expected: string, found: unknown) => never): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch {
    return fail(at, 'a valid regular expression', source);
  }
}

/** The model a node is classed by: its GPU's when it has one (the most common, if mixed), else its CPU's. */
export function nodeIdentity(probe: NodeIdentitySource | null | undefined): NodeIdentity | null {
  if (!probe) return null;
  const gpuNames = (probe.gpus ?? []).map((g) => g.name?.trim()).filter((n): n is string => Boolean(n));
  if (gpuNames.length > 0) {
    const tally = new Map<string, number>();
    for (const name of gpuNames) tally.set(name, (tally.get(name) ?? 0) + 1);
    const [model] = [...tally].sort((a, b) => b[1] - a[1])[0]!;
    return { kind: 'gpu', model };
  }
  const brand = probe.cpu?.brand?.trim();
  return brand ? { kind: 'cpu', model: brand } : null;
}

/** The first node class whose pattern matches this node's identity; null when none does. */
export function matchNodeClass(references: NodeReferenceFile, probe: NodeIdentitySource | null | undefined): NodeClass | null {
  const identity = nodeIdentity(probe);
  if (!identity) return null;
  return references.nodeClasses.find((c) => {
    const pattern = c.match[identity.kind];
    return pattern !== undefined && new RegExp(pattern, 'i').test(identity.model);
  }) ?? null;
}

export function findNodeClass(references: NodeReferenceFile, id: string): NodeClass {
  const found = references.nodeClasses.find((c) => c.id === id);
  if (!found) {
    throw new UsageError(`no node class "${id}" in ${references.file}`, { file: references.file, expected: references.nodeClasses.map((c) => c.id).join(', ') || 'a node class (the file has none)' });
  }
  return found;
}

export interface CaseKey extends ReferenceCaseIdentity {
  profile: ProfileId;
}

/** A case's references: the `workload/engine/backend` entry, else the `workload/engine` one (see referenceCaseKeys). */
export function referencesFor(nodeClass: NodeClass, key: CaseKey): Record<string, PerformanceReference> {
  const byCase = nodeClass.references[key.profile] ?? {};
  const entry = referenceCaseKeys(key).map((k) => byCase[k]).find((e) => e !== undefined) ?? {};
  return Object.fromEntries(Object.entries(entry).map(([metric, ref]) => [metric, { ...ref, nodeClass: nodeClass.id }]));
}

/** The runner's reference lookup for one node class (null: no references, only thresholds judge). */
export function referenceLookup(nodeClass: NodeClass | null): ReferenceLookup {
  return (spec, backend, hyperparameters) => {
    if (!nodeClass) return undefined;
    const found = referencesFor(nodeClass, { profile: spec.profile, workload: spec.workload, engine: spec.engine, backend, hyperparameters });
    return Object.keys(found).length ? found : undefined;
  };
}

/**
 * Judges one measured metric against its node-class reference: in bounds pass, outside warn
 * (fail with strict). No reference: `info`, since there is nothing to compare with.
 */
export function judgeMetric(name: string, measured: Measurement, reference: PerformanceReference | null, options: { strict?: boolean } = {}): JudgedMetric & { miss: string | null } {
  const judged = judgeMetrics({ [name]: measured }, { thresholds: {}, ...(reference && { references: { [name]: reference } }) });
  const metric = judged.metrics[name]!;
  const miss = judged.referenceMisses[0] ?? null;
  const verdict = metric.verdict === 'warn' && options.strict ? 'fail' : metric.verdict;
  return { ...metric, verdict, miss };
}

/** How to read a metric (which way is better, speed or correctness); null when no rule names it. */
export function metricRule(rules: readonly MetricRule[], name: string): MetricRule | null {
  return rules.find((rule) => rule.pattern.test(name)) ?? null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
