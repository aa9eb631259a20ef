import type * as tfc from '@tensorflow/tfjs-core';
import type { EngineSession } from '../types.js';

/** A tfjs backend made active; workloads use `tf` (tfjs-core's API) and nothing else of tfjs. */
export interface TfjsSession extends EngineSession {
  readonly tf: typeof tfc;
}
