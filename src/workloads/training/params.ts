import { MlcheckError, UsageError } from '../../util/errors.js';
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

export interface HyperparameterReader {
  /** A numeric hyperparameter: the profile's value, else the workload's default. */
  number(key: string, check?: (n: number) => boolean): number;
  /** A boolean hyperparameter (profiles may spell it `false` or `"false"`). */
  flag(key: string): boolean;
}

/**
 * Reads hyperparameters with the workload's `defaults` as their one source: a key missing from
 * both the params and the defaults is mlcheck's own fault, not the profile's.
 */
export function hyperparameters(workload: string, defaults: Readonly<Record<string, ParamValue>>, params: Readonly<Record<string, ParamValue>>): HyperparameterReader {
  const merged = { ...defaults, ...params };
  const defaultOf = (key: string): ParamValue => {
    const value = defaults[key];
    if (value === undefined) throw new MlcheckError('internal', `workload ${workload}: hyperparameter ${key} has no default`, { fix: `add ${key} to the workload's defaults` });
    return value;
  };
  return {
    number(key, check = Number.isFinite) {
      const fallback = defaultOf(key);
      if (typeof fallback !== 'number') throw new MlcheckError('internal', `workload ${workload}: the default of ${key} is not a number`, { found: JSON.stringify(fallback) });
      return numberParam(workload, merged, key, fallback, check);
    },
    flag(key) {
      defaultOf(key);
      const raw = merged[key];
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      throw new UsageError(`workload ${workload}: parameter ${key} has an invalid value`, { expected: 'true or false', found: JSON.stringify(raw), fix: `set ${key} in references/profiles.yaml to true or false` });
    },
  };
}
