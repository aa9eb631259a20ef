import path from 'node:path';
import { UsageError } from '../../util/errors.js';
import { checkTrustedPath } from '../../util/trusted-path.js';
import type { EngineOptionDeclaration } from '../engine-options.js';
import { PYTHON_KITS, type PythonKit } from './backends.js';
import { parseModuleList } from './module-names.js';

/** The python engine's options as commander parses them (by attribute name), for `run` and `bench`. */
export interface PythonFlags {
  python?: string;
  modules?: string[];
  modulePath?: string[];
  kit?: PythonKit;
  examplesDir?: string[];
  jupyter?: string;
  kernel?: string;
  jupyterTokenFile?: string;
  kernelTimeout?: number;
}

/** A kernel started as a Slurm job may wait in the queue; a local one answers in a second or two. */
export const DEFAULT_KERNEL_TIMEOUT_SECONDS = 120;

/** Module names, each checked before anything runs: a name with shell metacharacters is bad usage (exit 2). */
export function parseModuleNames(value: string, previous: unknown = []): string[] {
  return [...(previous as string[]), ...parseModuleList(value)];
}

/**
 * --module-path, checked as it is parsed (exit 2): modulefiles are code that runs as whoever loads
 * them, so root loads them only from a folder that it and every folder above it are root's (or the
 * invoking user's) and nobody else can write.
 */
export function parseModulePath(value: string, previous: unknown = []): string[] {
  const dir = path.resolve(value);
  const trust = checkTrustedPath(dir);
  if (!trust.trusted) throw new UsageError(`refusing ${dir}: ${trust.problem} (modulefiles run as whoever loads them). Fix: ${trust.fix}`);
  return [...(previous as string[]), dir];
}

function collectDirectory(value: string, previous: unknown = []): string[] {
  return [...(previous as string[]), path.resolve(value)];
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`expected a positive number, got "${value}"`);
  return n;
}

/** The python engine's command-line options, in the order `--help` lists them. */
export const PYTHON_OPTION_DECLARATIONS: readonly EngineOptionDeclaration[] = [
  { flags: '--modules <names>', description: 'python engine: environment modules to load first, in order (Environment Modules or Lmod), e.g. "shared pytorch-py37-cuda10.2-gcc" (repeatable)', parse: parseModuleNames },
  { flags: '--module-path <dir>', description: 'python engine: a modulefile directory to `module use` before loading (repeatable; only root, or you, may be able to write it)', parse: parseModulePath },
  { flags: '--python <path>', description: 'python engine: this interpreter as it is (default: python3 on PATH after the modules)' },
  { flags: '--kit <kit>', description: "python engine: mlcheck's own kits, or the manual's example scripts installed with the framework module", choices: PYTHON_KITS, default: 'mlcheck' },
  { flags: '--examples-dir <dir>', description: 'python engine, --kit installed: another folder to search for the example scripts (repeatable)', parse: collectDirectory },
  { flags: '--jupyter <url>', description: "python engine: run the kits in a kernel this Jupyter server starts (with --kernel); the token comes from JUPYTER_TOKEN or --jupyter-token-file, never from the command line" },
  { flags: '--kernel <name>', description: 'python engine, --jupyter: the kernelspec the server starts, e.g. python3' },
  { flags: '--jupyter-token-file <file>', description: "python engine, --jupyter: a file holding the server's token (instead of JUPYTER_TOKEN)" },
  {
    flags: '--kernel-timeout <seconds>',
    description: `python engine, --jupyter: time the kernel gets to start (default: ${DEFAULT_KERNEL_TIMEOUT_SECONDS}; a kernel submitted to Slurm waits in its queue)`,
    parse: parseSeconds,
  },
];

/** --python, --modules, --module-path, --kit installed or --examples-dir: the kits run in a local interpreter. */
export function localOptionGiven(flags: PythonFlags): boolean {
  return flags.python !== undefined || (flags.modules?.length ?? 0) > 0 || (flags.modulePath?.length ?? 0) > 0 || flags.kit === 'installed' || (flags.examplesDir?.length ?? 0) > 0;
}

/** --jupyter, --kernel, --jupyter-token-file or --kernel-timeout: the kits run in a kernel. */
export function jupyterOptionGiven(flags: PythonFlags): boolean {
  return flags.jupyter !== undefined || flags.kernel !== undefined || flags.jupyterTokenFile !== undefined || flags.kernelTimeout !== undefined;
}
