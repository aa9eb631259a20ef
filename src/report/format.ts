import type { JudgedMetric } from '../runner/types.js';

/** A number for people: integers as they are, otherwise 3–4 significant digits. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

export function formatWithUnit(value: number, unit: string): string {
  if (unit === '%') return `${formatValue(value)}%`;
  return unit ? `${formatValue(value)} ${unit}` : formatValue(value);
}

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
