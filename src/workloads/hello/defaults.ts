import { hyperparameters } from '../training/params.js';
import type { ParamValue } from '../types.js';

/** The manual's 10 + 32. */
export const helloDefaults: Readonly<Record<string, ParamValue>> = { a: 10, b: 32 };

/** Small enough that the int32 sum cannot overflow on any engine. */
const int32 = (n: number): boolean => Number.isInteger(n) && Math.abs(n) < 2 ** 30;

/** The two operands every engine adds: the profile's, else the defaults. */
export function helloOperands(params: Readonly<Record<string, ParamValue>>): { a: number; b: number } {
  const param = hyperparameters('hello', helloDefaults, params);
  return { a: param.number('a', int32), b: param.number('b', int32) };
}
