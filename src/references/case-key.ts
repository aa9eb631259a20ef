import path from 'node:path';
import type { ParamValue, ProfileId } from '../workloads/types.js';
import type { CaseReferences, NodeClass } from './node-references.js';
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
  return pickReferences(nodeClass.references[key.profile] ?? {}, nodeClass.id, key);
}

/** The references among `byCaseKey` (one node class's, one profile's) that judge the case that ran, by its most specific key. */
export function pickReferences(byCaseKey: CaseReferences, nodeClassId: string, identity: ReferenceCaseIdentity): Record<string, PerformanceReference> {
  const entry = referenceCaseKeys(identity).map((k) => byCaseKey[k]).find((e) => e !== undefined) ?? {};
  return Object.fromEntries(Object.entries(entry).map(([metric, ref]) => [metric, { ...ref, nodeClass: nodeClassId }]));
}

/**
 * The entries of `byCaseKey` a case of this workload on this engine may be judged by, whatever
 * backend it ends up on and whatever model it runs (`workload[@model]/engine[/backend]`).
 */
export function referencesOfWorkload(byCaseKey: CaseReferences, workload: string, engine: string): CaseReferences {
  return Object.fromEntries(
    Object.entries(byCaseKey).filter(([key]) => {
      const [subject, keyEngine] = key.split('/');
      return keyEngine === engine && (subject === workload || subject!.startsWith(`${workload}@`));
    }),
  );
}
