import { spawn } from 'node:child_process';

export interface ProcessRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** SIGKILL after this long; the run then reports status null. */
  timeoutMs?: number;
}

/**
 * Runs a command without blocking the test worker. A spawnSync of a minute or more starves
 * vitest's own messages on a busy machine, and the suite then fails with
 * `Timeout calling "onTaskUpdate"` although every test passed.
 */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 1_200_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** `node <script> ...args` through runProcess. */
export const runNode = (script: string, args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessRun> =>
  runProcess(process.execPath, [script, ...args], options);
