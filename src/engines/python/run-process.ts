import { spawn } from 'node:child_process';
import { pythonWorkingDirectory } from './python-launch.js';

export interface ProcessResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The program could not be started (ENOENT, EACCES): its message. */
  spawnError: string | null;
}

export interface RunProcessOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Default: the private working folder (pythonWorkingDirectory), never the folder mlcheck was started in. */
  cwd?: string;
  signal?: AbortSignal;
}

/**
 * Runs a program to completion without a shell (arguments are passed as they are), collecting
 * its output; a timeout or an abort kills it. Never throws once the working folder exists.
 */
export function runProcess(file: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(file, [...args], { env: options.env, cwd: options.cwd ?? pythonWorkingDirectory(), stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    let spawnError: string | null = null;
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-256 * 1024);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      spawnError = error.message;
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ stdout: Buffer.concat(stdout), stderr, exitCode, signal, timedOut, spawnError });
    });
  });
}
