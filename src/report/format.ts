import type { JudgedMetric } from '../references/results.js';
import { formatValue, formatWithUnit } from '../util/format-number.js';

/** "3.10% (max 1) fail", "120 ms (ref 100 -50%..+30%) warn". */
export function describeMetric(metric: Pick<JudgedMetric, 'value' | 'unit' | 'threshold' | 'reference' | 'verdict'>): string {
  const parts = [formatWithUnit(metric.value, metric.unit)];
  const limits: string[] = [];
  if (metric.threshold?.min !== undefined) limits.push(`min ${formatValue(metric.threshold.min)}`);
  if (metric.threshold?.max !== undefined) limits.push(`max ${formatValue(metric.threshold.max)}`);
  if (metric.reference) limits.push(`ref ${formatValue(metric.reference.value)} ${formatTolerance(metric.reference.lower, '-inf')}..${formatTolerance(metric.reference.upper, '+inf')}`);
  if (limits.length) parts.push(`(${limits.join(', ')})`);
  return parts.join(' ');
}

export function formatTolerance(fraction: number | null, unbounded: string): string {
  if (fraction === null) return unbounded;
  const percent = Math.round(fraction * 1000) / 10;
  return `${percent >= 0 ? '+' : ''}${percent}%`;
}
