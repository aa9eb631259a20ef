import { RequirementError } from '../../util/errors.js';
import { describeComputeGpu, type ComputeGpu } from '../compute-gpu.js';

/**
 * The GPU tfjs-node-gpu computes on: libtensorflow's default device, CUDA ordinal 0. tfjs-node
 * exposes no device placement, and libtensorflow creates a CUDA context on every GPU it sees
 * when it starts, so it must not start where any GPU in scope is to be left alone (a job uses
 * it, or its compute mode lets one process in): the case is then skipped, never failed, and
 * says which GPU and why. Undefined when the case named no GPUs.
 */
export function tfjsDefaultGpu(gpus: readonly ComputeGpu[] | undefined): ComputeGpu | undefined {
  if (gpus === undefined || gpus.length === 0) return undefined;
  const leftAlone = gpus.filter((gpu) => gpu.notComputed !== null);
  if (leftAlone.length > 0) {
    throw new RequirementError(
      `tfjs tensorflow-gpu: not computed: libtensorflow creates a CUDA context on every GPU it sees and tfjs-node-gpu cannot keep it off ${leftAlone.map((gpu) => `${describeComputeGpu(gpu)} (${gpu.notComputed})`).join('; ')}`,
    );
  }
  const defaultGpu = gpus.find((gpu) => gpu.ordinal === 0);
  if (defaultGpu === undefined) {
    throw new RequirementError(`tfjs tensorflow-gpu: not computed: tfjs-node-gpu computes only on CUDA device 0, which is not one of this case's GPUs (${gpus.map(describeComputeGpu).join(', ')})`);
  }
  return defaultGpu;
}
