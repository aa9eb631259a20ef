/**
 * A real Jupyter Server for tests (Debian's python3-jupyter-server 1.23 and python3-ipykernel):
 * on loopback, a random port and token, its own runtime, data and config folders, stopped at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { debianPython } from './python-env.js';

export const hasJupyterServer = spawnSync(debianPython, ['-c', 'import jupyter_server, ipykernel'], { stdio: 'ignore' }).status === 0;

export interface JupyterServer {
  url: string;
  token: string;
  /** Kernelspecs here are the server's (on its JUPYTER_PATH). */
  kernelsDir: string;
  /** The kernels the server has running now. */
  kernels(): Promise<{ id: string; name: string; execution_state: string }[]>;
  /** Polls until no kernel runs (a shutdown takes the server a moment), then returns what is left. */
  kernelsAfter(timeoutMs?: number): Promise<{ id: string; name: string }[]>;
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startJupyterServer(options: { env?: NodeJS.ProcessEnv } = {}): Promise<JupyterServer> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-jupyter-server-'));
  const kernelsDir = path.join(root, 'share', 'jupyter', 'kernels');
  for (const dir of [kernelsDir, path.join(root, 'runtime'), path.join(root, 'data'), path.join(root, 'config'), path.join(root, 'notebooks')]) mkdirSync(dir, { recursive: true });
  const token = randomBytes(24).toString('hex');
  let child: ChildProcess | null = null;
  let output = '';
  let url = '';
  for (let attempt = 0; attempt < 3 && child === null; attempt++) {
    const port = await freePort();
    const started = spawn(
      debianPython,
      ['-m', 'jupyter_server', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--ServerApp.port_retries=0', `--ServerApp.root_dir=${path.join(root, 'notebooks')}`, ...(process.getuid?.() === 0 ? ['--allow-root'] : [])],
      {
        env: {
          ...process.env,
          ...options.env,
          JUPYTER_TOKEN: token,
          JUPYTER_PATH: path.join(root, 'share', 'jupyter'),
          JUPYTER_RUNTIME_DIR: path.join(root, 'runtime'),
          JUPYTER_DATA_DIR: path.join(root, 'data'),
          JUPYTER_CONFIG_DIR: path.join(root, 'config'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    started.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    started.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    url = `http://127.0.0.1:${port}/`;
    if (await answers(url, token, started)) child = started;
    else started.kill('SIGKILL');
  }
  if (child === null) throw new Error(`the Jupyter server did not start: ${output.slice(-2000)}`);
  const server = child;
  const kernels = async (): Promise<{ id: string; name: string; execution_state: string }[]> => {
    const response = await fetch(`${url}api/kernels`, { headers: { Authorization: `token ${token}` } });
    return (await response.json()) as { id: string; name: string; execution_state: string }[];
  };
  return {
    url,
    token,
    kernelsDir,
    kernels,
    async kernelsAfter(timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      let left = await kernels();
      while (left.length > 0 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        left = await kernels();
      }
      return left;
    },
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (server.exitCode !== null || server.signalCode !== null) return resolve();
        const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
        server.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        // SIGTERM: the server shuts its kernels down, then exits.
        server.kill('SIGTERM');
      }),
  };
}

async function answers(url: string, token: string, child: ChildProcess): Promise<boolean> {
  const until = Date.now() + 60_000;
  while (Date.now() < until && child.exitCode === null) {
    try {
      const response = await fetch(`${url}api/status`, { headers: { Authorization: `token ${token}` } });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

/** Writes <kernelsDir>/<name>/kernel.json. */
export function writeKernelspec(kernelsDir: string, name: string, spec: Record<string, unknown>): void {
  mkdirSync(path.join(kernelsDir, name), { recursive: true });
  writeFileSync(path.join(kernelsDir, name, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
}
