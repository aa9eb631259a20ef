import type { Measurement } from '../types.js';

/** Median and 95th percentile (nearest rank) of per-step wall times, as metrics. */
export function stepTimeMetrics(stepMs: readonly number[]): Record<'ms_per_step_median' | 'ms_per_step_p95', Measurement> {
  return {
    ms_per_step_median: { value: round(percentile(stepMs, 50), 2), unit: 'ms' },
    ms_per_step_p95: { value: round(percentile(stepMs, 95), 2), unit: 'ms' },
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (p === 50) {
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
