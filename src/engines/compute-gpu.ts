import { RequirementError } from '../util/errors.js';

/**
 * A GPU a case computes on, named the three ways an operator can find it again: its CUDA ordinal
 * in the case process, its PCI address and its UUID. The runner decides which GPUs these are
 * (runner/compute-gpus.ts); engines and workloads only read them.
 */
export interface ComputeGpu {
  /**
   * The CUDA device ordinal in the case process, which runs under CUDA_DEVICE_ORDER=PCI_BUS_ID:
   * ORT's device_id, PyTorch's cuda:<ordinal>, TensorFlow's /GPU:<ordinal>.
   */
  ordinal: number;
  /** "0000:07:00.0"; null when the driver did not say. */
  pciBusId: string | null;
  /** "GPU-8091a2b3-..."; null when the driver did not say. */
  uuid: string | null;
  name: string | null;
  /**
   * Why the case must leave this GPU alone (a job computes on it, or its compute mode lets only one
   * process in): it is reported as not computed, which is neither a pass nor a failure.
   */
  notComputed: string | null;
}

/** "GPU 1 (0000:08:00.0, GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f)": how every line names a GPU. */
export function describeComputeGpu(gpu: ComputeGpu): string {
  const identity = [gpu.pciBusId, gpu.uuid].filter((part): part is string => part !== null);
  return `GPU ${gpu.ordinal}${identity.length > 0 ? ` (${identity.join(', ')})` : ''}`;
}

/** How a report's details name a GPU. */
export function gpuIdentity(gpu: ComputeGpu): { ordinal: number; pciBusId: string | null; uuid: string | null; name: string | null } {
  return { ordinal: gpu.ordinal, pciBusId: gpu.pciBusId, uuid: gpu.uuid, name: gpu.name };
}

/** The GPUs of a list that the case may compute on. */
export function computableGpus(gpus: readonly ComputeGpu[]): ComputeGpu[] {
  return gpus.filter((gpu) => gpu.notComputed === null);
}

/**
 * The GPUs a session opens on: every computable GPU in scope for a workload that checks each
 * (hello), else the first. None in scope (no probe): [], and the framework uses CUDA's device 0.
 * GPUs in scope but none computable: a RequirementError (the case is skipped, never failed),
 * naming each GPU and why it was left alone.
 */
export function sessionGpus(gpus: readonly ComputeGpu[] | undefined, everyGpu: boolean, what: string): ComputeGpu[] {
  if (gpus === undefined || gpus.length === 0) return [];
  const computable = computableGpus(gpus);
  if (computable.length === 0) {
    throw new RequirementError(`${what}: no GPU in scope may be computed on: ${gpus.map((gpu) => `${describeComputeGpu(gpu)}: ${gpu.notComputed}`).join('; ')}`);
  }
  return everyGpu ? computable : computable.slice(0, 1);
}
