import { execFile } from 'node:child_process';
import path from 'node:path';
import { RequirementError } from '../util/errors.js';
import { findOnPath } from '../util/executable-on-path.js';

export type SlurmCommand = 'scontrol' | 'sinfo' | 'sbatch' | 'squeue' | 'scancel';

/**
 * Where Slurm's client commands live when PATH does not say: a HealthCheckProgram runs with an
 * environment holding only SLURMD_NODENAME (checked with Debian's Slurm 22.05), so `scontrol`
 * must be found without PATH. Bright Cluster Manager installs Slurm under /cm/shared/apps.
 */
export const SLURM_BIN_DIRS: readonly string[] = ['/usr/bin', '/usr/local/bin', '/opt/slurm/bin', '/usr/local/slurm/bin', '/cm/shared/apps/slurm/current/bin'];

export interface FindSlurmOptions {
  env?: NodeJS.ProcessEnv;
  /** Searched after PATH (default SLURM_BIN_DIRS). */
  fallbackDirs?: readonly string[];
}

/** The absolute path of a Slurm client command: $SLURM_BINDIR, then PATH, then the usual places. */
export function findSlurmCommand(name: SlurmCommand, options: FindSlurmOptions = {}): string {
  const env = options.env ?? process.env;
  const dirs = [
    ...(env.SLURM_BINDIR ? [env.SLURM_BINDIR] : []),
    ...(env.PATH ?? '').split(':').filter((dir) => path.isAbsolute(dir)),
    ...(options.fallbackDirs ?? SLURM_BIN_DIRS),
  ];
  const found = findOnPath(name, dirs.join(path.delimiter));
  if (found !== null) return found;
  throw new RequirementError(`${name} not found (searched ${[...new Set(dirs)].join(', ')})`, {
    fix: `install Slurm's client commands, or set SLURM_BINDIR to the folder holding ${name}`,
  });
}

export interface SlurmCommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunSlurmOptions extends FindSlurmOptions {
  /** A slurmctld that does not answer must not hang the check (default 20 s). */
  timeoutMs?: number;
}

/** Runs a Slurm client command with an argv array (never a shell) and a timeout. */
export function runSlurmCommand(name: SlurmCommand, args: readonly string[], options: RunSlurmOptions = {}): Promise<SlurmCommandResult> {
  const file = findSlurmCommand(name, options);
  return new Promise((resolve) => {
    execFile(file, [...args], { encoding: 'utf8', timeout: options.timeoutMs ?? 20_000, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      const killed = error !== null && error.killed === true ? `${name} was killed after ${options.timeoutMs ?? 20_000} ms (slurmctld not answering?)\n` : '';
      const spawnError = error !== null && typeof error.code === 'string' ? `${name}: ${error.message}\n` : '';
      resolve({ status, stdout, stderr: `${killed}${spawnError}${stderr}` });
    });
  });
}

/** Throws with the command line and Slurm's own message when a command failed. */
export async function slurmOrThrow(name: SlurmCommand, args: readonly string[], options: RunSlurmOptions = {}): Promise<string> {
  const result = await runSlurmCommand(name, args, options);
  if (result.status !== 0) {
    throw new Error(`${name} ${args.join(' ')} failed (exit ${result.status ?? 'none'}): ${result.stderr.trim() || result.stdout.trim() || 'no message'}`);
  }
  return result.stdout;
}
