import path from 'node:path';
import { packageRoot } from '../util/package-info.js';
import { parseConfigText, readConfigFile, throwConfigProblem, type ConfigFileKind } from '../util/schema-check.js';
import type { ProfileId } from '../workloads/types.js';
import type { ReferenceValue } from './results.js';

/**
 * references/nodes.yaml: performance references per node class, as ReFrame keeps them per
 * system partition (format: schema/nodes.schema.json and the file's header).
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

/** Case key (`workload/engine/backend` or `workload/engine`) -> metric -> reference. */
export type CaseReferences = Record<string, Record<string, ReferenceValue>>;

export interface NodeClass {
  id: string;
  description: string;
  /** Case-insensitive regular expressions on the probe's GPU name / CPU brand. */
  match: { gpu?: string; cpu?: string };
  /** What a node of this class has: GPU count (gpu-count), model, memory, driver and MIG (node-class). */
  expect?: NodeClassHardware;
  references: Partial<Record<ProfileId, CaseReferences>>;
  /** Where the class is written: its file and key path (`nodeClasses[2]`). */
  source: { file: string; key: string };
}

export interface NodeClassHardware {
  gpus?: number;
  gpuModel?: string;
  gpuMemoryGiB?: number;
  /** The oldest acceptable NVIDIA driver version. */
  driver?: string;
  mig?: boolean;
}

export interface NodeReferenceFile {
  file: string;
  metrics: MetricRule[];
  nodeClasses: NodeClass[];
}

/** nodes.yaml as written; the schema has checked every key. */
interface NodeReferenceDocument {
  schemaVersion: typeof NODES_SCHEMA_VERSION;
  metrics?: { match: string; better: Better; kind: MetricKind }[];
  nodeClasses?: (Omit<NodeClass, 'description' | 'references' | 'match'> & {
    description?: string;
    match: { gpu?: string; cpu?: string };
    references?: Partial<Record<ProfileId, Record<string, Record<string, Partial<ReferenceValue> & Pick<ReferenceValue, 'value' | 'unit'>>>>>;
  })[];
}

const NODES_FILE: ConfigFileKind = {
  schema: 'nodes',
  what: 'node reference file',
  fix: 'pass an existing file to --references, or write one with `mlcheck bench --save-reference FILE`; the format is in schema/nodes.schema.json',
};

export const defaultNodesFile = (): string => path.join(packageRoot, 'references', 'nodes.yaml');

/** Reads and checks a nodes.yaml (--references, else the shipped one); every mistake names the file, the key path and the fix. */
export function loadNodeReferences(file?: string): NodeReferenceFile {
  const resolved = path.resolve(file ?? defaultNodesFile());
  return fromDocument(readConfigFile<NodeReferenceDocument>(resolved, NODES_FILE), resolved);
}

export function parseNodeReferences(text: string, file: string): NodeReferenceFile {
  return fromDocument(parseConfigText<NodeReferenceDocument>(text, file, NODES_FILE), file);
}

function fromDocument(document: NodeReferenceDocument, file: string): NodeReferenceFile {
  const seen = new Set<string>();
  const nodeClasses = (document.nodeClasses ?? []).map((entry, i): NodeClass => {
    if (seen.has(entry.id)) throwConfigProblem(file, NODES_FILE, { path: `nodeClasses[${i}].id`, expected: 'a name not used by an earlier node class', found: JSON.stringify(entry.id) });
    seen.add(entry.id);
    const references: NodeClass['references'] = {};
    for (const [profile, cases] of Object.entries(entry.references ?? {}) as [ProfileId, CaseReferences][]) {
      references[profile] = Object.fromEntries(
        Object.entries(cases).map(([caseKey, metrics]) => [
          caseKey,
          Object.fromEntries(Object.entries(metrics).map(([metric, ref]) => [metric, { value: ref.value, lower: ref.lower ?? null, upper: ref.upper ?? null, unit: ref.unit }])),
        ]),
      );
    }
    return {
      id: entry.id,
      description: entry.description ?? '',
      match: { ...(entry.match.gpu !== undefined && { gpu: entry.match.gpu }), ...(entry.match.cpu !== undefined && { cpu: entry.match.cpu }) },
      ...(entry.expect !== undefined && { expect: entry.expect }),
      references,
      source: { file, key: `nodeClasses[${i}]` },
    };
  });
  const metrics = (document.metrics ?? []).map((rule) => ({ pattern: new RegExp(rule.match, 'i'), better: rule.better, kind: rule.kind }));
  return { file, metrics, nodeClasses };
}

/** How to read a metric (which way is better, speed or correctness); null when no rule names it. */
export function metricRule(rules: readonly MetricRule[], name: string): MetricRule | null {
  return rules.find((rule) => rule.pattern.test(name)) ?? null;
}
