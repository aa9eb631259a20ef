import type { Measurement } from '../workloads/types.js';
import type { JudgedMetric, MetricVerdict, PerformanceReference, Threshold } from './types.js';

export interface MetricJudgement {
  metrics: Record<string, JudgedMetric>;
  /** One line per metric outside its threshold, e.g. "test_error_pct 3.1 > 1.0 %". */
  thresholdFailures: string[];
  /** One line per metric outside its performance reference. */
  referenceMisses: string[];
}

export interface JudgeOptions {
  thresholds: Record<string, Threshold>;
  /** Performance references for this node class, by metric name. */
  references?: Record<string, PerformanceReference>;
}

/**
 * Quality thresholds decide pass/fail (a wrong answer); performance references only warn,
 * as ReFrame's do: a slow node is still a correct node, and `--strict` turns warn into fail.
 */
export function judgeMetrics(measured: Record<string, Measurement>, options: JudgeOptions): MetricJudgement {
  const metrics: Record<string, JudgedMetric> = {};
  const thresholdFailures: string[] = [];
  const referenceMisses: string[] = [];
  for (const [name, { value, unit }] of Object.entries(measured)) {
    const threshold = options.thresholds[name] ?? null;
    const reference = options.references?.[name] ?? null;
    let verdict: MetricVerdict = threshold || reference ? 'pass' : 'info';
    if (threshold) {
      const miss = thresholdMiss(name, value, unit, threshold);
      if (miss) {
        verdict = 'fail';
        thresholdFailures.push(miss);
      }
    }
    if (reference && verdict !== 'fail') {
      const miss = referenceMiss(name, value, reference);
      if (miss) {
        verdict = 'warn';
        referenceMisses.push(miss);
      }
    }
    metrics[name] = {
      value,
      unit,
      threshold,
      reference: reference && { value: reference.value, lower: reference.lower, upper: reference.upper },
      verdict,
    };
  }
  for (const name of Object.keys(options.thresholds)) {
    if (!(name in measured)) thresholdFailures.push(`${name} was not measured`);
  }
  return { metrics, thresholdFailures, referenceMisses };
}

function thresholdMiss(name: string, value: number, unit: string, threshold: Threshold): string | null {
  const shown = `${name} ${formatNumber(value)}${unitSuffix(unit)}`;
  if (!Number.isFinite(value)) return `${shown} is not a finite number`;
  if (threshold.max !== undefined && value > threshold.max) return `${shown} > ${formatNumber(threshold.max)}${unitSuffix(unit)}`;
  if (threshold.min !== undefined && value < threshold.min) return `${shown} < ${formatNumber(threshold.min)}${unitSuffix(unit)}`;
  return null;
}

function referenceMiss(name: string, value: number, reference: PerformanceReference): string | null {
  const low = reference.lower === null ? -Infinity : reference.value * (1 + reference.lower);
  const high = reference.upper === null ? Infinity : reference.value * (1 + reference.upper);
  if (value >= low && value <= high) return null;
  const deviation = ((value - reference.value) / reference.value) * 100;
  return `${name} ${formatNumber(value)} ${reference.unit} is ${deviation >= 0 ? '+' : ''}${deviation.toFixed(1)}% from the ${reference.nodeClass} reference ${formatNumber(reference.value)} (bounds ${formatNumber(low)}..${formatNumber(high)})`;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 100 ? value.toFixed(1) : magnitude >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

function unitSuffix(unit: string): string {
  return unit === '%' ? '%' : unit ? ` ${unit}` : '';
}
