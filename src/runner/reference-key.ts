import path from 'node:path';
import type { ParamValue } from '../workloads/types.js';

export interface ReferenceCaseIdentity {
  workload: string;
  engine: string;
  backend: string;
  hyperparameters: Readonly<Record<string, ParamValue | readonly ParamValue[]>>;
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
