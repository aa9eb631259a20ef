import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EXAMPLE_LAUNCHER } from './kits.js';
import { PYTHON_FLAGS } from './python-launch.js';
import { assertTrustedKits } from './trusted-kits.js';
import type { ScriptResult, ScriptRunOptions } from './session.js';

const KILL_GRACE_MS = 2000;

/**
 * Runs a script unchanged with `interpreter` through kits/python/run_example.py, which only makes
 * it die with the case process (PR_SET_PDEATHSIG) before handing over with runpy: the script sees
 * its own path as sys.argv[0] and its own folder first on sys.path, as `python script.py` gives it.
 */
export function runExampleScript(interpreter: string, env: NodeJS.ProcessEnv, script: string, args: readonly string[], options: ScriptRunOptions): Promise<ScriptResult> {
  assertTrustedKits();
  return new Promise((resolve) => {
    // options.cwd is the private folder the script's data is staged in.
    const child = spawn(interpreter, [...PYTHON_FLAGS, EXAMPLE_LAUNCHER, script, ...args], {
      cwd: options.cwd,
      env: { ...env, ...options.env, MLCHECK_PARENT_PID: String(process.pid), PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: string[] = [];
    let stderr = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      options.onLine?.(line);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-64 * 1024);
      process.stderr.write(chunk);
    });
    const onAbort = (): void => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    let spawnError: string | null = null;
    child.on('error', (error) => {
      spawnError = error.message;
    });
    child.on('close', (exitCode, signal) => {
      options.signal.removeEventListener('abort', onAbort);
      const stderrTail = stderr
        .split('\n')
        .map((line) => line.trimEnd())
        .filter((line) => line !== '')
        .slice(-20);
      if (spawnError !== null) stderrTail.push(`cannot start ${interpreter}: ${spawnError}`);
      resolve({ stdout, exitCode, signal, stderrTail });
    });
  });
}
