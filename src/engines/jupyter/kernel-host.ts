import { KernelAPI, KernelConnection, type Kernel, type KernelMessage, type ServerConnection } from '@jupyterlab/services';
import type { Progress } from '../types.js';
import type { KitTransport } from '../python/kit-transport.js';
import type { HostMessage, HostRequest } from '../python/protocol.js';
import { serverSettings } from './server-settings.js';
import type { JupyterKernelFacts, JupyterTarget } from './target.js';
import { redactToken } from './token.js';

/** kits/python/jupyter_bridge.py sends every protocol message as display data of this type. */
const HOST_MIME = 'application/vnd.mlcheck.host+json';
const OUTPUT_KEEP_LINES = 40;
const SHUTDOWN_TIMEOUT_MS = 10_000;
const SHUTDOWN_RETRY_MS = 250;
/** Statuses after which the kernel that ran the kits is gone (the server may start another in its place). */
const DEATH_STATUSES: ReadonlySet<Kernel.Status> = new Set(['dead', 'autorestarting', 'restarting']);

/** The kernel died or the server dropped it while mlcheck waited: recorded as a crash. */
export class KernelDiedError extends Error {
  readonly failPhase = 'crash' as const;
  constructor(message: string) {
    super(message);
    this.name = 'KernelDiedError';
  }
}

export interface KernelHostOptions {
  target: JupyterTarget;
  token: string;
  /** kits/python as the kernel sees it (a shared file system, as for any Slurm job). */
  kitsDir: string;
  /** Aborting shuts the kernel down, also while it starts. */
  signal?: AbortSignal;
}

type Hello = Extract<HostMessage, { type: 'hello' }>;

/**
 * host.py's Host inside a kernel that a Jupyter server starts (REST), spoken to in execute
 * requests over the kernel's WebSocket. The kernel is always shut down: on close, on kill (an
 * abort: Ctrl-C, the watchdog) and when starting it fails.
 */
export class JupyterKitHost implements KitTransport {
  private readonly output: string[] = [];
  private death: string | null = null;
  private pendingReject: ((error: Error) => void) | null = null;
  private current = 'starting';
  private shutdown: Promise<void> | null = null;
  readonly facts: JupyterKernelFacts;

  private constructor(
    private readonly connection: KernelConnection,
    private readonly settings: ServerConnection.ISettings,
    private readonly token: string,
    target: JupyterTarget,
  ) {
    this.facts = { server: target.url, kernel: target.kernel, kernelId: connection.id, startSeconds: null, firstExecuteSeconds: null, host: null, slurm: null };
    connection.statusChanged.connect((_, status) => {
      if (DEATH_STATUSES.has(status)) this.die(`Jupyter status ${status}`);
    });
    connection.connectionStatusChanged.connect((_, status) => {
      if (status === 'disconnected') this.die('the WebSocket to the server closed');
    });
  }

  /** Starts the kernel, waits for it to answer, times a first execute and loads the bridge. */
  static async start(options: KernelHostOptions): Promise<{ host: JupyterKitHost; hello: Hello }> {
    const { target, token, signal } = options;
    const settings = serverSettings({ url: target.url, token });
    const started = performance.now();
    let model: Kernel.IModel;
    try {
      model = await KernelAPI.startNew({ name: target.kernel }, settings);
    } catch (error) {
      throw new Error(redactToken(`the Jupyter server ${target.url} did not start kernel ${target.kernel}: ${(error as Error).message}`, token));
    }
    const host = new JupyterKitHost(new KernelConnection({ model, serverSettings: settings, handleComms: false }), settings, token, target);
    const onAbort = (): void => host.kill();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) throw new Error(`interrupted while kernel ${target.kernel} started`);
      await host.ready(target.startTimeoutSeconds * 1000);
      host.facts.startSeconds = (performance.now() - started) / 1000;
      const first = performance.now();
      await host.execute('__mlcheck_first_execute = 40 + 2', 'running a first execute request');
      host.facts.firstExecuteSeconds = (performance.now() - first) / 1000;
      const bootstrap = [
        'import sys as __mlcheck_sys',
        // As host.py runs (python -B): the kits folder is the package's, never written to.
        '__mlcheck_sys.dont_write_bytecode = True',
        `if ${JSON.stringify(options.kitsDir)} not in __mlcheck_sys.path: __mlcheck_sys.path.insert(0, ${JSON.stringify(options.kitsDir)})`,
        'import jupyter_bridge as __mlcheck_bridge',
        '__mlcheck_bridge.start()',
      ].join('\n');
      const hello = await host.execute(bootstrap, `loading mlcheck's kits from ${options.kitsDir}`);
      if (hello?.type !== 'hello') throw new Error(`kernel ${target.kernel} answered ${JSON.stringify(hello).slice(0, 200)} instead of hello`);
      host.facts.host = hello.host ?? null;
      host.facts.slurm = hello.slurm ?? null;
      return { host, hello };
    } catch (error) {
      await host.close();
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async request(message: HostRequest, what: string, onProgress?: (event: Progress) => void): Promise<HostMessage> {
    const answer = await this.execute(`__mlcheck_bridge.handle(${JSON.stringify(JSON.stringify(message))})`, what, onProgress);
    if (answer === null) throw new Error(`kernel ${this.facts.kernel} finished ${what} without an answer${this.outputTail()}`);
    return answer;
  }

  /** Shuts the kernel down without waiting (an abort); the pending request fails. */
  kill(): void {
    void this.close();
  }

  /** Shuts the kernel down through the server and waits for it (at most a few seconds). */
  close(): Promise<void> {
    this.shutdown ??= (async () => {
      this.current = 'shutting down';
      this.pendingReject?.(new Error(`kernel ${this.facts.kernel} was shut down while ${this.current}`));
      const deadline = Date.now() + SHUTDOWN_TIMEOUT_MS;
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(true), SHUTDOWN_TIMEOUT_MS).unref());
      // A server refuses (HTTP 500) while it restarts a kernel that died (jupyter_client 7: its
      // `ready` future is pending): ask again until it has the kernel back and stops it.
      while (!(await Promise.race([this.requestShutdown(), timeout])) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_RETRY_MS));
      this.connection.dispose();
    })();
    return this.shutdown;
  }

  /** True once the server has stopped the kernel (or no longer has it). */
  private async requestShutdown(): Promise<boolean> {
    try {
      await KernelAPI.shutdownKernel(this.connection.id, this.settings);
      return true;
    } catch {
      return false;
    }
  }

  private ready(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new KernelDiedError(`kernel ${this.facts.kernel} (${this.connection.id}) on ${this.facts.server} did not start within ${timeoutMs / 1000} s${this.outputTail()}`)), timeoutMs).unref();
      this.pendingReject = reject;
      this.connection.info.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => reject(new KernelDiedError(this.redact(`kernel ${this.facts.kernel} did not start: ${String(error)}`))),
      );
    }).finally(() => {
      this.pendingReject = null;
    });
  }

  private execute(code: string, what: string, onProgress?: (event: Progress) => void): Promise<HostMessage | null> {
    this.current = what;
    return new Promise<HostMessage | null>((resolve, reject) => {
      if (this.death !== null) return reject(this.deathError());
      if (this.shutdown !== null) return reject(new Error(`kernel ${this.facts.kernel} is shut down`));
      this.pendingReject = reject;
      let answer: HostMessage | null = null;
      const future = this.connection.requestExecute({ code, silent: false, store_history: false, allow_stdin: false, stop_on_error: true });
      future.onIOPub = (message: KernelMessage.IIOPubMessage) => {
        const type = message.header.msg_type;
        if (type === 'display_data' || type === 'update_display_data' || type === 'execute_result') {
          const data = (message.content as KernelMessage.IDisplayDataMsg['content']).data[HOST_MIME] as HostMessage | undefined;
          if (data === undefined) return;
          if (data.type === 'progress') onProgress?.(data.event);
          else answer = data;
        } else if (type === 'stream') {
          this.remember((message.content as KernelMessage.IStreamMsg['content']).text);
        }
      };
      future.done.then(
        (reply) => {
          const content = reply.content;
          if (content.status === 'ok') return resolve(answer);
          const failed = content as KernelMessage.IReplyErrorContent;
          const traceback = (failed.traceback ?? []).join('\n').replace(/\u001b\[[0-9;]*m/g, '');
          reject(new Error(`kernel ${this.facts.kernel} failed while ${what}: ${failed.ename ?? 'error'}: ${failed.evalue ?? ''}${traceback ? `\n${traceback.trimEnd()}` : ''}`));
        },
        (error: unknown) => reject(this.death !== null ? this.deathError() : new Error(this.redact(`kernel ${this.facts.kernel}: ${what}: ${String(error)}`))),
      );
    }).finally(() => {
      this.pendingReject = null;
    });
  }

  private die(why: string): void {
    if (this.death !== null || this.shutdown !== null) return;
    this.death = why;
    this.pendingReject?.(this.deathError());
  }

  private deathError(): KernelDiedError {
    return new KernelDiedError(`kernel ${this.facts.kernel} (${this.connection.id}) on ${this.facts.server} died while ${this.current} (${this.death})${this.outputTail()}`);
  }

  private remember(text: string): void {
    this.output.push(...text.split('\n').map((line) => line.trimEnd()).filter((line) => line !== ''));
    this.output.splice(0, Math.max(0, this.output.length - OUTPUT_KEEP_LINES));
  }

  private outputTail(): string {
    const tail = this.output.slice(-15);
    // The last line stays on the first line of the reason, which the console and a drain reason show.
    return tail.length > 0 ? `; it last printed: ${tail[tail.length - 1]}\n  the kernel's last output:\n    ${tail.join('\n    ')}` : '';
  }

  private redact(text: string): string {
    return redactToken(text, this.token);
  }
}
