/** A number for people: integers as they are, otherwise 3–4 significant digits. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** "3.10%", "120 ms", "0.5" (a unit-less number stands alone). */
export function formatWithUnit(value: number, unit: string): string {
  if (unit === '%') return `${formatValue(value)}%`;
  return unit ? `${formatValue(value)} ${unit}` : formatValue(value);
}
