import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Progress } from '../types.js';
import type { HostMessage, HostRequest } from './protocol.js';
import { PYTHON_FLAGS, pythonWorkingDirectory } from './python-launch.js';

const STDERR_KEEP = 64 * 1024;
const STDERR_LINES = 15;
/** Time the interpreter gets to start and say hello (a cold NFS-mounted Python can be slow). */
const HELLO_TIMEOUT_MS = 120_000;
const CLOSE_GRACE_MS = 5000;
const KILL_GRACE_MS = 2000;

/**
 * The interpreter ended while mlcheck was waiting for it: a crash (signal), an exit, or a kill.
 * `failPhase` tells the case child to record the case as a crash.
 */
export class PythonExitError extends Error {
  readonly failPhase = 'crash' as const;
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string[],
  ) {
    super(message);
    this.name = 'PythonExitError';
  }
}

export interface KitHostOptions {
  interpreter: string;
  hostScript: string;
  env: NodeJS.ProcessEnv;
  /** Copy the interpreter's stderr here too (the case process's stderr, which the runner keeps). */
  echoStderr?: (chunk: string) => void;
}

type Waiter = { resolve: (message: HostMessage) => void; reject: (error: Error) => void; onProgress: ((event: Progress) => void) | undefined };

/**
 * One Python process running kits/python/host.py, spoken to in JSON lines. It stays in mlcheck's
 * case process group (the runner's watchdog kills the whole group) and asks the kernel to kill it
 * when the case process dies (PR_SET_PDEATHSIG, in host.py).
 */
export class KitHost {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private waiter: Waiter | null = null;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitPromise: Promise<void>;
  private current = 'starting';
  readonly interpreter: string;

  private constructor(options: KitHostOptions) {
    this.interpreter = options.interpreter;
    this.child = spawn(options.interpreter, [...PYTHON_FLAGS, options.hostScript], {
      cwd: pythonWorkingDirectory(),
      env: { ...options.env, MLCHECK_PARENT_PID: String(process.pid), PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEEP);
      options.echoStderr?.(chunk);
    });
    // A host that died cannot read: its broken pipe is reported by the exit, not as an exception here.
    this.child.stdin.on('error', () => undefined);
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    this.exitPromise = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.exited ??= { code: null, signal: null };
        this.fail(new Error(`cannot start ${options.interpreter}: ${error.message}`));
        resolve();
      });
      this.child.on('close', (code, signal) => {
        this.exited ??= { code, signal };
        this.fail(this.exitError());
        resolve();
      });
    });
  }

  /** Starts the interpreter and waits for host.py's hello. */
  static async start(options: KitHostOptions): Promise<{ host: KitHost; hello: Extract<HostMessage, { type: 'hello' }> }> {
    const host = new KitHost(options);
    const timer = setTimeout(() => host.kill(), HELLO_TIMEOUT_MS);
    try {
      const hello = await host.next();
      if (hello.type !== 'hello') throw new Error(`${options.interpreter} answered ${JSON.stringify(hello).slice(0, 200)} instead of hello`);
      return { host, hello };
    } finally {
      clearTimeout(timer);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one request and returns the first answer that is not progress. */
  async request(message: HostRequest, what: string, onProgress?: (event: Progress) => void): Promise<HostMessage> {
    this.current = what;
    if (this.exited) throw this.exitError();
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    return this.next(onProgress);
  }

  stderrTail(lines = STDERR_LINES): string[] {
    return this.stderr
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line !== '')
      .slice(-lines);
  }

  /** Asks the host to end, then makes sure it has. */
  async close(): Promise<void> {
    if (this.exited) return;
    this.current = 'closing';
    this.child.stdin.end(`${JSON.stringify({ type: 'close' } satisfies HostRequest)}\n`);
    const timer = setTimeout(() => this.kill(), CLOSE_GRACE_MS);
    await this.exitPromise;
    clearTimeout(timer);
  }

  /** SIGTERM, then SIGKILL if it is still there. */
  kill(): void {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    setTimeout(() => {
      if (!this.exited) this.child.kill('SIGKILL');
    }, KILL_GRACE_MS).unref();
  }

  private next(onProgress?: (event: Progress) => void): Promise<HostMessage> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(this.exitError());
      this.waiter = { resolve, reject, onProgress };
    });
  }

  private onLine(line: string): void {
    let message: HostMessage;
    try {
      message = JSON.parse(line) as HostMessage;
    } catch {
      // host.py sends only JSON; anything else is a stray write to its protocol descriptor.
      this.stderr = (this.stderr + `[stdout] ${line}\n`).slice(-STDERR_KEEP);
      return;
    }
    if (message.type === 'progress') {
      this.waiter?.onProgress?.(message.event);
      return;
    }
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.resolve(message);
  }

  private fail(error: Error): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.reject(error);
  }

  private exitError(): PythonExitError {
    const { code, signal } = this.exited ?? { code: null, signal: null };
    const how = signal ? `was killed by ${signal}${describeSignal(signal)}` : `exited with code ${code}`;
    const tail = this.stderrTail();
    const said = tail.length > 0 ? `; its last stderr lines:\n    ${tail.join('\n    ')}` : '';
    return new PythonExitError(`${this.interpreter} (pid ${this.child.pid ?? '?'}) ${how} while ${this.current}${said}`, code, signal, tail);
  }
}

function describeSignal(signal: NodeJS.Signals): string {
  if (signal === 'SIGSEGV' || signal === 'SIGBUS' || signal === 'SIGILL') return ' (a native crash in the framework, a library it loaded, or the driver)';
  if (signal === 'SIGABRT') return ' (aborted: a failed assertion in native code)';
  if (signal === 'SIGKILL') return ' (likely the kernel OOM killer or an external kill)';
  return '';
}
