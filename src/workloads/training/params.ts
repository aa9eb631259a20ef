import { UsageError } from '../../util/errors.js';
import type { ParamValue } from '../types.js';

/** A numeric hyperparameter from the merged params; a wrong type names the workload and key. */
export function numberParam(workload: string, params: Readonly<Record<string, ParamValue>>, key: string, fallback: number, check: (n: number) => boolean = Number.isFinite): number {
  const raw = params[key];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!check(value)) {
    throw new UsageError(`workload ${workload}: parameter ${key} has an invalid value`, { expected: 'a number in range', found: JSON.stringify(raw), fix: `set ${key} in references/profiles.yaml to a valid number` });
  }
  return value;
}

export const positiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0;
export const nonNegativeInteger = (n: number): boolean => Number.isInteger(n) && n >= 0;
