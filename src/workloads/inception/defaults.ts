import { hyperparameters, nonNegativeInteger, positiveInteger } from '../training/params.js';
import type { ParamValue } from '../types.js';

/** classify_image.py's defaults (the `reference` profile): the shipped Inception-v3, and how long to time it. */
export const inceptionDefaults: Readonly<Record<string, ParamValue>> = { model: '', sidecar: '', warmupRuns: 3, latencyRuns: 50, batch: 8, throughputRuns: 5 };

export interface InceptionTiming {
  warmupRuns: number;
  latencyRuns: number;
  batch: number;
  throughputRuns: number;
}

/** The timing runs, on every engine alike: a p95 needs at least 20 latency runs, a throughput figure a batch of at least 8. */
export function inceptionTiming(params: Readonly<Record<string, ParamValue>>): InceptionTiming {
  const param = hyperparameters('inception', inceptionDefaults, params);
  return {
    warmupRuns: param.number('warmupRuns', nonNegativeInteger),
    latencyRuns: Math.max(20, param.number('latencyRuns', positiveInteger)),
    batch: Math.max(8, param.number('batch', positiveInteger)),
    throughputRuns: param.number('throughputRuns', positiveInteger),
  };
}
