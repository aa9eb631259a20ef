import type * as tfc from '@tensorflow/tfjs-core';
import type { ComputeGpu } from '../compute-gpu.js';
import type { EngineSession } from '../types.js';

/** A tfjs backend made active; workloads use `tf` (tfjs-core's API) and nothing else of tfjs. */
export interface TfjsSession extends EngineSession {
  readonly tf: typeof tfc;
  /**
   * tensorflow-gpu: the GPU it computes on, libtensorflow's default device (CUDA ordinal 0), when
   * the case named its GPUs. tfjs-node-gpu has no way to choose another.
   */
  readonly gpu?: ComputeGpu;
}
