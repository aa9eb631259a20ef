import { UsageError } from '../util/errors.js';

export type Accelerator = { kind: 'cuda'; version: string } | { kind: 'mkl' } | { kind: 'cpu' };

export interface ParsedPackageName {
  name: string;
  /** e.g. `tensorflow`, `horovod-tensorflow2`, `nccl2`. */
  framework: string;
  /** e.g. `py37`, or null for packages without a Python build. */
  python: string | null;
  accelerator: Accelerator | null;
  /** e.g. `gcc` (GCC 5 builds) or `gcc8`. */
  compiler: string | null;
}

const NAME_PATTERN = /^cm-[a-z0-9][a-z0-9._+-]*$/;
const PYTHON = /^py\d{2,3}$/;
const CUDA = /^cuda(\d+(?:\.\d+)*)$/;
const COMPILER = /^gcc\d*$/;
const EXPECTED = 'cm-<framework>[-py<XY>][-<accelerator: cudaX.Y | mkl>][-<compiler: gcc | gcc8>], e.g. cm-tensorflow-py37-mkl-gcc8';

function parseAccelerator(token: string): Accelerator | null {
  const cuda = CUDA.exec(token);
  if (cuda !== null) return { kind: 'cuda', version: cuda[1] ?? '' };
  if (token === 'mkl') return { kind: 'mkl' };
  if (token === 'cpu') return { kind: 'cpu' };
  return null;
}

/** Splits `cm-<framework>-py<XY>-<accelerator>-<compiler>`; throws UsageError when it cannot. */
export function parsePackageName(name: string): ParsedPackageName {
  const trimmed = name.trim();
  if (!NAME_PATTERN.test(trimmed)) {
    throw new UsageError(`cannot parse package name "${name}"`, { expected: EXPECTED, found: name, fix: 'use a package name as `mlcheck probe --list-packages` prints it' });
  }
  const tokens = trimmed.slice('cm-'.length).split('-');
  let compiler: string | null = null;
  let accelerator: Accelerator | null = null;
  let python: string | null = null;
  const last = () => tokens[tokens.length - 1] ?? '';
  if (tokens.length > 1 && COMPILER.test(last())) compiler = tokens.pop() ?? null;
  if (tokens.length > 1 && parseAccelerator(last()) !== null) accelerator = parseAccelerator(tokens.pop() ?? '');
  if (tokens.length > 1 && PYTHON.test(last())) python = tokens.pop() ?? null;
  const misplaced = tokens.find((token) => token === '' || PYTHON.test(token) || CUDA.test(token) || COMPILER.test(token));
  if (tokens.length === 0 || misplaced !== undefined) {
    throw new UsageError(`cannot parse package name "${name}": ${misplaced === '' ? 'empty part' : `"${misplaced ?? ''}" is out of place`}`, {
      expected: EXPECTED,
      found: name,
      fix: 'use a package name as `mlcheck probe --list-packages` prints it',
    });
  }
  return { name: trimmed, framework: tokens.join('-'), python, accelerator, compiler };
}
