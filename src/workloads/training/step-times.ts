import { median, nearestRankPercentile } from '../../util/statistics.js';
import type { Measurement } from '../types.js';

/** Median and 95th percentile (nearest rank) of per-step wall times, as metrics. */
export function stepTimeMetrics(stepMs: readonly number[]): Record<'ms_per_step_median' | 'ms_per_step_p95', Measurement> {
  return {
    ms_per_step_median: { value: round(median(stepMs), 2), unit: 'ms' },
    ms_per_step_p95: { value: round(nearestRankPercentile(stepMs, 95), 2), unit: 'ms' },
  };
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
