import { formatValue, formatWithUnit } from '../util/format-number.js';
import type { Measurement } from '../workloads/types.js';
import type { FailPhase, JudgedMetric, MetricVerdict, PerformanceReference, Threshold } from './results.js';

export interface JudgeOptions {
  thresholds: Record<string, Threshold>;
  /** Performance references for this node class, by metric name. */
  references?: Record<string, PerformanceReference>;
  /** Acceptance (--strict): outside a performance reference fails instead of warning. */
  strict?: boolean;
}

/** What a case's metrics say about the case. */
export interface CaseVerdict {
  outcome: 'pass' | 'warn' | 'fail';
  failPhase: Extract<FailPhase, 'sanity' | 'performance'> | null;
  reason: string | null;
}

export interface MetricJudgement {
  metrics: Record<string, JudgedMetric>;
  /** One line per metric outside its threshold, e.g. "test_error_pct 3.1% > 1%". */
  thresholdFailures: string[];
  /** One line per metric outside its performance reference. */
  referenceMisses: string[];
  verdict: CaseVerdict;
}

/**
 * Quality thresholds decide pass/fail (a wrong answer); performance references only warn, as
 * ReFrame's do: a slow node is still a correct node. Under --strict a miss fails (see referenceMissVerdict).
 */
export function judgeMetrics(measured: Record<string, Measurement>, options: JudgeOptions): MetricJudgement {
  const metrics: Record<string, JudgedMetric> = {};
  const thresholdFailures: string[] = [];
  const referenceMisses: string[] = [];
  const missVerdict = referenceMissVerdict(options.strict === true);
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
        verdict = missVerdict;
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
  return { metrics, thresholdFailures, referenceMisses, verdict: caseVerdict(thresholdFailures, referenceMisses, missVerdict) };
}

/** The strict rule, once: outside its performance reference is a warning, and a failure under --strict. */
export function referenceMissVerdict(strict: boolean): 'warn' | 'fail' {
  return strict ? 'fail' : 'warn';
}

function caseVerdict(thresholdFailures: readonly string[], referenceMisses: readonly string[], missVerdict: 'warn' | 'fail'): CaseVerdict {
  if (thresholdFailures.length > 0) return { outcome: 'fail', failPhase: 'sanity', reason: thresholdFailures.join('; ') };
  if (referenceMisses.length > 0) return { outcome: missVerdict, failPhase: 'performance', reason: referenceMisses.join('; ') };
  return { outcome: 'pass', failPhase: null, reason: null };
}

function thresholdMiss(name: string, value: number, unit: string, threshold: Threshold): string | null {
  const shown = `${name} ${formatWithUnit(value, unit)}`;
  if (!Number.isFinite(value)) return `${shown} is not a finite number`;
  if (threshold.max !== undefined && value > threshold.max) return `${shown} > ${formatWithUnit(threshold.max, unit)}`;
  if (threshold.min !== undefined && value < threshold.min) return `${shown} < ${formatWithUnit(threshold.min, unit)}`;
  return null;
}

function referenceMiss(name: string, value: number, reference: PerformanceReference): string | null {
  const low = reference.lower === null ? -Infinity : reference.value * (1 + reference.lower);
  const high = reference.upper === null ? Infinity : reference.value * (1 + reference.upper);
  if (value >= low && value <= high) return null;
  const deviation = ((value - reference.value) / reference.value) * 100;
  return `${name} ${formatValue(value)} ${reference.unit} is ${deviation >= 0 ? '+' : ''}${deviation.toFixed(1)}% from the ${reference.nodeClass} reference ${formatValue(reference.value)} (bounds ${formatValue(low)}..${formatValue(high)})`;
}
