import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml';
import type { ProfileId } from '../workloads/types.js';
import { referenceCaseKeys } from './case-key.js';
import { metricRule, parseNodeReferences, type CaseReferences, type MetricRule } from './node-references.js';
import type { ReferenceValue, RunRecord } from './results.js';

export interface NewNodeClass {
  id: string;
  description: string;
  match: { gpu?: string; cpu?: string };
  profile: ProfileId;
  references: CaseReferences;
}

export interface ReferenceFromBenchOptions {
  rules: readonly MetricRule[];
  /** Fractional tolerance either side of the median (0.25: bounds -25 % .. +25 %). */
  tolerance: number;
}

/** The medians of a bench's performance metrics as references: only cases that passed, only speed metrics. */
export function referencesFromBench(aggregated: RunRecord, options: ReferenceFromBenchOptions): CaseReferences {
  const references: CaseReferences = {};
  for (const c of aggregated.cases) {
    if (c.outcome !== 'pass' && c.outcome !== 'warn') continue;
    const entries: Record<string, ReferenceValue> = {};
    for (const [name, m] of Object.entries(c.metrics)) {
      if (metricRule(options.rules, name)?.kind !== 'performance' || !Number.isFinite(m.value) || m.value === 0) continue;
      entries[name] = { value: Number(m.value.toPrecision(4)), lower: -options.tolerance, upper: options.tolerance, unit: m.unit };
    }
    if (Object.keys(entries).length) references[referenceCaseKeys(c)[0]!] = entries;
  }
  return references;
}

const NEW_FILE_HEADER = [
  ' Performance references per node class, written by `mlcheck bench --save-reference`.',
  ' Format: see references/nodes.yaml in the mlcheck package. Use with `mlcheck bench --references FILE`.',
].join('\n');

/**
 * The text of a node reference file with `entry` added, or merged into the class of the same
 * id (its measured cases replaced, the rest kept). Comments and order in `existing` survive.
 */
export function upsertNodeClass(existing: string | null, entry: NewNodeClass, file: string): string {
  const doc: Document = existing === null ? parseDocument('schemaVersion: 1\nnodeClasses: []\n') : parseDocument(existing);
  if (existing === null) doc.commentBefore = NEW_FILE_HEADER;
  else parseNodeReferences(existing, file);
  let classes = doc.get('nodeClasses');
  if (!isSeq(classes)) {
    classes = new YAMLSeq();
    doc.set('nodeClasses', classes);
  }
  const seq = classes as YAMLSeq;
  seq.flow = false;
  const found = seq.items.find((item) => isMap(item) && item.get('id') === entry.id) as YAMLMap | undefined;
  const referenceNodes = Object.fromEntries(Object.entries(entry.references).map(([caseKey, metrics]) => [caseKey, flowMetrics(doc, metrics)]));
  if (found) {
    const existingReferences = found.get('references');
    if (isMap(existingReferences)) existingReferences.flow = false;
    for (const [caseKey, node] of Object.entries(referenceNodes)) found.setIn(['references', entry.profile, caseKey], node);
  } else {
    const node = doc.createNode({ id: entry.id, description: entry.description, match: entry.match, references: { [entry.profile]: {} } }) as YAMLMap;
    const match = node.get('match') as YAMLMap;
    match.flow = true;
    for (const [caseKey, value] of Object.entries(referenceNodes)) node.setIn(['references', entry.profile, caseKey], value);
    seq.items.push(node);
  }
  const text = doc.toString({ lineWidth: 0 });
  parseNodeReferences(text, file);
  return text;
}

function flowMetrics(doc: Document, metrics: Record<string, ReferenceValue>): YAMLMap {
  const map = doc.createNode({}) as YAMLMap;
  for (const [name, ref] of Object.entries(metrics)) {
    const value = doc.createNode({ value: ref.value, lower: ref.lower, upper: ref.upper, unit: ref.unit }) as YAMLMap;
    value.flow = true;
    map.set(name, value);
  }
  return map;
}
