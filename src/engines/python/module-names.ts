import { parsePackageName, type Accelerator } from '../../probe/package-name.js';
import { UsageError } from '../../util/errors.js';
import { PYTHON_FRAMEWORKS, type PythonFramework } from './backends.js';

/**
 * An environment module name as Environment Modules and Lmod write them (`shared`,
 * `pytorch-py37-cuda10.2-gcc/1.13.1`): letters, digits and . _ + - / only, not starting with
 * `-` (an option to `module`) or `/`, no `..`. Names are also passed as separate arguments,
 * never into a shell string; the pattern keeps a name from meaning anything but a module.
 */
const MODULE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+/-]{0,199}$/;

export function moduleNameProblem(name: string): string | null {
  if (!MODULE_NAME.test(name)) return 'only letters, digits and . _ + - / are allowed, starting with a letter, digit or _ (at most 200 characters)';
  if (name.split('/').some((part) => part === '' || part === '..' || part === '.')) return 'empty, . or .. path parts are not allowed';
  return null;
}

/** Throws UsageError (exit 2, before anything runs) for a name that is not a plain module name. */
export function validateModuleName(name: string, source = '--modules'): string {
  const problem = moduleNameProblem(name);
  if (problem !== null) {
    throw new UsageError(`${source}: "${name}" is not a module name: ${problem}`, {
      expected: 'names such as shared or pytorch-py37-cuda10.2-gcc/1.13.1, separated by spaces or commas',
      found: name,
      fix: 'list the modules with `module -t avail` and pass their names as printed',
    });
  }
  return name;
}

/** Splits a --modules value ("shared pytorch-py37-cuda10.2-gcc", or comma-separated) and validates every name. */
export function parseModuleList(value: string, source = '--modules'): string[] {
  return value
    .split(/[\s,]+/)
    .filter((name) => name !== '')
    .map((name) => validateModuleName(name, source));
}

/** A module of the manual's naming, `<framework>-py<NN>-<cuda10.x | mkl>-<gcc | gcc8>[/version]`. */
export interface MlModuleName {
  /** As given, e.g. `pytorch-py37-cuda10.2-gcc/1.13.1`. */
  name: string;
  /** Without the version, e.g. `pytorch-py37-cuda10.2-gcc`: the package is cm-<base>. */
  base: string;
  version: string | null;
  /** The framework as the package names it (`pytorch`, `tensorflow2`, `horovod-tensorflow`, ...). */
  packageFramework: string;
  /** The python engine's framework it provides, or null (horovod, nccl, ...). */
  framework: PythonFramework | null;
  python: string | null;
  accelerator: Accelerator | null;
  compiler: string | null;
}

/**
 * Reads a module name with the package rules (src/probe/package-name.ts): null for a module
 * outside the manual's naming (`shared`, `openmpi-geib-cuda10.1-gcc` is kept: it has a CUDA build).
 */
export function parseMlModuleName(name: string): MlModuleName | null {
  const trimmed = name.trim().replace(/\((?:default|D)\)$|<[^>]*>$/g, '');
  const slash = trimmed.indexOf('/');
  const base = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const version = slash < 0 ? null : trimmed.slice(slash + 1) || null;
  let parsed;
  try {
    parsed = parsePackageName(`cm-${base}`);
  } catch {
    return null;
  }
  // A module of the manual's ML stack names a Python build or an accelerator/compiler build.
  if (parsed.python === null && parsed.accelerator === null) return null;
  return {
    name: trimmed,
    base,
    version,
    packageFramework: parsed.framework,
    framework: frameworkOf(parsed.framework),
    python: parsed.python,
    accelerator: parsed.accelerator,
    compiler: parsed.compiler,
  };
}

/** `tensorflow` and `tensorflow2` are TensorFlow, `pytorch` PyTorch; `horovod-pytorch` and the like are not a framework. */
function frameworkOf(packageFramework: string): PythonFramework | null {
  const plain = packageFramework.replace(/\d+$/, '');
  return (PYTHON_FRAMEWORKS as readonly string[]).includes(plain) ? (plain as PythonFramework) : null;
}

/** The frameworks the named modules provide, in order, each once. */
export function frameworksOfModules(names: readonly string[]): PythonFramework[] {
  const found: PythonFramework[] = [];
  for (const name of names) {
    const framework = parseMlModuleName(name)?.framework ?? null;
    if (framework !== null && !found.includes(framework)) found.push(framework);
  }
  return found;
}

/** The CUDA version a module's name says it was built for (`cuda10.2` -> "10.2"), or null. */
export function moduleCudaVersion(name: string): string | null {
  const accelerator = parseMlModuleName(name)?.accelerator ?? null;
  return accelerator?.kind === 'cuda' ? accelerator.version : null;
}
