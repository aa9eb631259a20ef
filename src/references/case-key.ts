import path from 'node:path';
import type { ParamValue, ProfileId } from '../workloads/types.js';
import type { NodeClass } from './node-references.js';
import type { PerformanceReference } from './results.js';

export interface ReferenceCaseIdentity {
  workload: string;
  engine: string;
  backend: string;
  hyperparameters: Readonly<Record<string, ParamValue | readonly ParamValue[]>>;
}

export interface CaseKey extends ReferenceCaseIdentity {
  profile: ProfileId;
}

/**
 * The keys a case's performance references may stand under in nodes.yaml, most specific first.
 * A workload run on a model of the operator's choice is keyed by that model's file name
 * (`inception@mobilenet_v2_1.0_224.onnx/onnx/cpu`), so one model is never judged by another's numbers.
 */
export function referenceCaseKeys(identity: ReferenceCaseIdentity): string[] {
  const model = identity.hyperparameters.model;
  const workload = typeof model === 'string' && model !== '' ? `${identity.workload}@${path.basename(model)}` : identity.workload;
  return [`${workload}/${identity.engine}/${identity.backend}`, `${workload}/${identity.engine}`];
}

/** A case's references: the `workload/engine/backend` entry, else the `workload/engine` one; none without a node class. */
export function referencesFor(nodeClass: NodeClass | null, key: CaseKey): Record<string, PerformanceReference> {
  if (!nodeClass) return {};
  const byCase = nodeClass.references[key.profile] ?? {};
  const entry = referenceCaseKeys(key).map((k) => byCase[k]).find((e) => e !== undefined) ?? {};
  return Object.fromEntries(Object.entries(entry).map(([metric, ref]) => [metric, { ...ref, nodeClass: nodeClass.id }]));
}
