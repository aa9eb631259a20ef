import { randomBytes } from 'node:crypto';
import { KernelAPI, KernelConnection, ServerConnection, type Kernel, type KernelMessage } from '@jupyterlab/services';
import { MlcheckError } from '../../../util/errors.js';
import type { Progress } from '../../types.js';
import type { KitTransport } from '../kit-transport.js';
import type { HostMessage, HostRequest } from '../protocol.js';
import { serverSettings } from './server-settings.js';
import type { JupyterKernelFacts, JupyterTarget } from './target.js';
import { redactToken } from './token.js';

/**
 * kits/python/jupyter_bridge.py sends every protocol message as display data of this type,
 * wrapped as `{nonce, message}`: the nonce is the one of the execute request it answers.
 */
const HOST_MIME = 'application/vnd.mlcheck.host+json';
const OUTPUT_KEEP_LINES = 40;
const SHUTDOWN_TIMEOUT_MS = 10_000;
const SHUTDOWN_RETRY_MS = 250;
/** Statuses after which the kernel that ran the kits is gone (the server may start another in its place). */
const DEATH_STATUSES: ReadonlySet<Kernel.Status> = new Set(['dead', 'autorestarting', 'restarting']);

/** The kernel died while it ran mlcheck's requests: the node's software, recorded as a crash. */
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

/**
 * The server, its kernel launcher or the connection to it failed (an HTTP error when starting the
 * kernel, a kernel that never became ready, the WebSocket lost), or an answer was not bound to the
 * request it claims to answer: infrastructure, not this node. The case is undecided (exit 3).
 */
export class JupyterInfrastructureError extends MlcheckError {
  constructor(message: string) {
    super('internal', message);
    this.name = 'JupyterInfrastructureError';
  }
}

/** An answer as the bridge wraps it: the request's nonce and the protocol message. */
interface BridgeEnvelope {
  nonce?: unknown;
  message?: HostMessage;
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
  /** Until the kernel's first kernel_info reply, a failure is the server's (it could not start the kernel). */
  private started = false;
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
      if (status === 'disconnected') this.die('the WebSocket to the server closed', { serverSide: true });
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
      const status = error instanceof ServerConnection.ResponseError ? ` (HTTP ${error.response.status})` : '';
      throw new JupyterInfrastructureError(redactToken(`the Jupyter server ${target.url} did not start kernel ${target.kernel}${status}: ${(error as Error).message}: a fault of the server or its kernel launcher, not of this node`, token));
    }
    const host = new JupyterKitHost(new KernelConnection({ model, serverSettings: settings, handleComms: false }), settings, token, target);
    const onAbort = (): void => host.kill();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) throw new Error(`interrupted while kernel ${target.kernel} started`);
      await host.ready(target.startTimeoutSeconds * 1000);
      host.started = true;
      host.facts.startSeconds = (performance.now() - started) / 1000;
      const first = performance.now();
      await host.execute(() => '__mlcheck_first_execute = 40 + 2', 'running a first execute request');
      host.facts.firstExecuteSeconds = (performance.now() - first) / 1000;
      const bootstrap = [
        'import sys as __mlcheck_sys',
        // As host.py runs (python -B): the kits folder is the package's, never written to.
        '__mlcheck_sys.dont_write_bytecode = True',
        `if ${JSON.stringify(options.kitsDir)} not in __mlcheck_sys.path: __mlcheck_sys.path.insert(0, ${JSON.stringify(options.kitsDir)})`,
        'import jupyter_bridge as __mlcheck_bridge',
      ].join('\n');
      const hello = await host.execute((nonce) => `${bootstrap}\n__mlcheck_bridge.start(${JSON.stringify(nonce)})`, `loading mlcheck's kits from ${options.kitsDir}`);
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
    const answer = await this.execute((nonce) => `__mlcheck_bridge.handle(${JSON.stringify(JSON.stringify(message))}, ${JSON.stringify(nonce)})`, what, onProgress);
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

  /** A kernel that does not start (no kernel_info reply in time, or dead before it) is the server's fault: undecided. */
  private ready(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new JupyterInfrastructureError(`kernel ${this.facts.kernel} (${this.connection.id}) on ${this.facts.server} did not start within ${timeoutMs / 1000} s${this.outputTail()}`)),
        timeoutMs,
      ).unref();
      this.pendingReject = reject;
      this.connection.info.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => reject(new JupyterInfrastructureError(this.redact(`kernel ${this.facts.kernel} did not start: ${String(error)}`))),
      );
    }).finally(() => {
      this.pendingReject = null;
    });
  }

  /**
   * One execute request. `code` gets the request's nonce (fresh, random): an answer counts only
   * when it carries it, so an answer left over from an earlier request, produced by other code in
   * the kernel without it, or sent twice, ends the case undecided instead of being believed.
   */
  private execute(code: (nonce: string) => string, what: string, onProgress?: (event: Progress) => void): Promise<HostMessage | null> {
    this.current = what;
    return new Promise<HostMessage | null>((resolve, reject) => {
      if (this.death !== null) return reject(this.deathError());
      if (this.shutdown !== null) return reject(new Error(`kernel ${this.facts.kernel} is shut down`));
      this.pendingReject = reject;
      const nonce = randomBytes(16).toString('hex');
      let answer: HostMessage | null = null;
      let refused: string | null = null;
      const refuse = (why: string): void => {
        refused ??= why;
        reject(new JupyterInfrastructureError(`kernel ${this.facts.kernel} (${this.connection.id}) on ${this.facts.server}: refused an answer while ${what}: ${why}; mlcheck's answers must echo the nonce of the request they answer`));
      };
      const future = this.connection.requestExecute({ code: code(nonce), silent: false, store_history: false, allow_stdin: false, stop_on_error: true });
      future.onIOPub = (message: KernelMessage.IIOPubMessage) => {
        const type = message.header.msg_type;
        if (type === 'display_data' || type === 'update_display_data' || type === 'execute_result') {
          const data = (message.content as KernelMessage.IDisplayDataMsg['content']).data[HOST_MIME] as BridgeEnvelope | undefined;
          if (data === undefined || refused !== null) return;
          if (typeof data !== 'object' || data === null || typeof data.nonce !== 'string') return refuse('it carries no nonce');
          if (data.nonce !== nonce) return refuse(`it carries nonce ${data.nonce.slice(0, 40)}, not this request's (a replayed or forged answer)`);
          const body = data.message;
          if (typeof body !== 'object' || body === null || typeof body.type !== 'string') return refuse('it holds no protocol message');
          if (body.type === 'progress') onProgress?.(body.event);
          else if (answer !== null) refuse(`a second answer (${body.type}) to one request`);
          else answer = body;
        } else if (type === 'stream') {
          this.remember((message.content as KernelMessage.IStreamMsg['content']).text);
        }
      };
      future.done.then(
        (reply) => {
          if (refused !== null) return;
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

  private die(why: string, options: { serverSide?: boolean } = {}): void {
    if (this.death !== null || this.shutdown !== null) return;
    this.death = why;
    this.deathIsServerSide = options.serverSide === true;
    this.pendingReject?.(this.deathError());
  }

  private deathIsServerSide = false;

  /**
   * A kernel that dies once it runs mlcheck's requests is the node's software (a crash). One that
   * dies before it ever answered, or a lost connection to the server, is the server's: undecided.
   */
  private deathError(): Error {
    const message = `kernel ${this.facts.kernel} (${this.connection.id}) on ${this.facts.server} died while ${this.current} (${this.death})${this.outputTail()}`;
    if (!this.started) return new JupyterInfrastructureError(message.replace(' died while ', ' died before it started, while '));
    if (this.deathIsServerSide) return new JupyterInfrastructureError(`${message}: the connection to the server was lost, not the kernel`);
    return new KernelDiedError(message);
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
