import { InvalidArgumentError } from 'commander';
import { parsePackageName } from '../probe/index.js';
import { describeError } from '../util/errors.js';

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

export function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

/** A parser for fractions such as 0.1 (10 %), from 0 up to `max`. */
export function fractionParser(max = Number.POSITIVE_INFINITY): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(Number.isFinite(n) && n >= 0 && n <= max)) {
      throw new InvalidArgumentError(`expected a fraction ${Number.isFinite(max) ? `between 0 and ${max}` : 'such as 0.1'}, got "${value}"`);
    }
    return n;
  };
}

export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0)) throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}"`);
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

export function parseNonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 0)) throw new InvalidArgumentError(`expected a whole number >= 0, got "${value}"`);
  return n;
}

/** Repeatable package names, each checked against cm-<framework>-py<XY>-<accelerator>-<compiler>. */
export function parsePackageNames(value: string, previous: string[] = []): string[] {
  const names = collect(value);
  for (const name of names) {
    try {
      parsePackageName(name);
    } catch (error) {
      throw new InvalidArgumentError(describeError(error).split('\n').join('; '));
    }
  }
  return [...previous, ...names];
}
