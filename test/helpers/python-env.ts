/**
 * The python engine's test environment: Debian's Python with python3-torch (CPU-only), modulefiles
 * for Environment Modules that put it first on PATH, and a Python without torch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './paths.js';
import { runNode, type ProcessRun } from './run-process.js';
import { trustedTempDir } from './trusted-temp.js';

/** Debian's interpreter, where apt's python3-torch lives (the python3 first on PATH may be another). */
export const debianPython = '/usr/bin/python3';

export interface ModuleTree {
  /** For --module-path (`module use`). */
  modulePath: string;
  /** Holds a python3 symlink to Debian's; the framework modules prepend it to PATH. */
  binDir: string;
  /** Where the fixture framework modules keep the manual's example scripts (test/fixtures/installed-prefix). */
  examplesPrefix: string;
}

/**
 * Modulefiles in the manual's naming. Environment Modules does not move a directory already on
 * PATH to the front (prepend-path PATH /usr/bin), so the modules prepend a directory of their own
 * holding a python3 symlink to Debian's.
 */
export function createModuleTree(): ModuleTree {
  // mlcheck refuses a --module-path that others can write or that lies below /tmp (mode 1777).
  const root = trustedTempDir('mlcheck-modules-');
  const binDir = path.join(root, 'debian-python', 'bin');
  mkdirSync(binDir, { recursive: true });
  symlinkSync(debianPython, path.join(binDir, 'python3'));
  const modulePath = path.join(root, 'modulefiles');
  const examplesPrefix = path.join(repoRoot, 'test', 'fixtures', 'installed-prefix');
  const module = (name: string, body: string): void => {
    const file = path.join(modulePath, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `#%Module1.0\n${body}\n`);
  };
  module('shared', 'setenv MLCHECK_TEST_SHARED 1');
  // Debian's CPU-only torch, as a CPU module and (wrongly) inside a CUDA module.
  // Its prefix (two levels above the site-packages it adds) holds the example scripts; CM_PYTORCH_ROOT
  // names it too, but a variable is never where mlcheck looks for code.
  module('pytorch-py311-cpu-gcc/1.13.1', `prepend-path PATH ${binDir}\nprepend-path PYTHONPATH ${path.join(examplesPrefix, 'pytorch-py311-cpu-gcc', 'lib', 'python3.11', 'site-packages')}\nsetenv CM_PYTORCH_ROOT ${path.join(examplesPrefix, 'pytorch-py311-cpu-gcc')}`);
  module('pytorch-py311-cuda11.8-gcc/1.13.1', `prepend-path PATH ${binDir}`);
  // Built for a CUDA newer than the fake driver's 12.4.
  module('pytorch-py311-cuda12.6-gcc/2.5.0', `prepend-path PATH ${binDir}`);
  // No TensorFlow can be installed here: the module puts a Python without it first.
  module('tensorflow-py311-cuda11.8-gcc/2.15.0', `prepend-path PATH ${binDir}`);
  // An AVX-512 VNNI build (the manual's gcc8 packages): judged against this CPU.
  module('tensorflow-py311-mkl-gcc8/2.15.0', `prepend-path PATH ${binDir}`);
  module('broken', 'puts stderr "mlcheck test: the module refuses to load"\nbreak');
  // Its prefix holds a test double of TensorFlow (none can be installed here) and the example scripts.
  module('tensorflow-py311-mkl-gcc/2.15.0', `prepend-path PATH ${binDir}\nprepend-path PYTHONPATH ${path.join(examplesPrefix, 'tensorflow-py311-mkl-gcc', 'lib', 'python3.11', 'site-packages')}`);
  return { modulePath, binDir, examplesPrefix };
}

/** A venv of Debian's Python without its site-packages: no torch, no numpy. */
export function createPythonWithoutTorch(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-no-torch-'));
  const made = spawnSync(debianPython, ['-m', 'venv', '--without-pip', dir], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`python3 -m venv failed: ${made.stderr}`);
  return path.join(dir, 'bin', 'python3');
}

/** Processes whose command line contains `marker` (read from /proc): what a killed case must not leave behind. */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const file = path.join('/proc', entry, 'cmdline');
    try {
      if (existsSync(file) && readFileSync(file, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export type CliRun = ProcessRun;

/** Runs `node bin/mlcheck.js ...args` without blocking the test worker. */
export const runCli = (cliPath: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 1_200_000): Promise<CliRun> =>
  runNode(cliPath, args, { env, timeoutMs });
