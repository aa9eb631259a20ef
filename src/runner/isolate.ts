import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineInfo } from '../engines/types.js';
import { packageRoot } from '../util/package-info.js';
import type { Progress, WorkloadOutput } from '../workloads/types.js';
import type { CaseSecrets, ChildMessage, ParentMessage } from './case-protocol.js';
import type { FailPhase } from '../references/results.js';
import type { CaseSpec } from './types.js';

const childEntry = caseChildEntry();
const STDERR_TAIL_LINES = 20;
/** Time a child gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;
/** Time a child gets to exit after sending its result (it bounds its own teardown at 5 s). */
const TEARDOWN_GRACE_MS = 10_000;

export type IsolatedOutcome =
  | { kind: 'done'; output: WorkloadOutput }
  | { kind: 'stopped'; outcome: 'skip' | 'fail' | 'error'; phase: FailPhase; reason: string }
  | { kind: 'crashed'; phase: FailPhase; reason: string; exitCode: number | null; signal: string | null }
  /** The case's own watchdog fired: the facts references/timeout-outcome.ts judges. */
  | { kind: 'timeout'; phase: 'setup' | 'run'; watchdogSeconds: number; gpuWorkSeconds: number | null }
  | { kind: 'interrupted'; reason: string };

export interface IsolatedCase {
  outcome: IsolatedOutcome;
  engine: EngineInfo | null;
  setupSeconds: number | null;
  runSeconds?: number;
  stderrTail: string[];
}

export interface IsolateOptions {
  onProgress?: (event: Progress) => void;
  /** Aborting kills the child and ends the case as interrupted. */
  signal?: AbortSignal;
  /** V8 heap limit for the child, so a runaway allocation ends in that child, not the node. */
  maxOldSpaceMb?: number;
  env?: NodeJS.ProcessEnv;
  /** Sent to the child over IPC with its spec, never through its environment. */
  secrets?: CaseSecrets;
  /**
   * Seconds left before the run's deadline. When that is shorter than the case's watchdog, the
   * watchdog fires then instead, and the case ends interrupted: the deadline, not the case, ended it.
   */
  timeLeftSeconds?: number;
}

/** Runs one case in a child process under a watchdog; always resolves, never throws. */
export function runIsolated(spec: CaseSpec, options: IsolateOptions = {}): Promise<IsolatedCase> {
  return new Promise((resolve) => {
    const execArgv = options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : [];
    // Its own process group: the watchdog ends the case with everything it started (the python
    // engine's interpreter and that interpreter's children), not only the case process.
    const child = fork(childEntry, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv, env: options.env ?? process.env, serialization: 'advanced', detached: true });
    const signalGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    };
    let phase: 'setup' | 'run' = 'setup';
    let gpuWorkStartedAt: number | null = null;
    let engine: EngineInfo | null = null;
    let setupSeconds: number | null = null;
    let runSeconds: number | undefined;
    let settled: IsolatedOutcome | null = null;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-64 * 1024);
    });

    let terminating = false;
    const terminate = (): void => {
      if (terminating) return;
      terminating = true;
      signalGroup('SIGTERM');
      setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS).unref();
    };
    // The watchdog and an interrupt always end the process, even one that has already answered
    // and then hangs in teardown; the first outcome recorded stands.
    const stop = (outcome: IsolatedOutcome): void => {
      settled ??= outcome;
      terminate();
    };
    const answered = (outcome: IsolatedOutcome): void => {
      settled ??= outcome;
      setTimeout(terminate, TEARDOWN_GRACE_MS).unref();
    };
    const cappedByDeadline = options.timeLeftSeconds !== undefined && options.timeLeftSeconds < spec.timeoutSeconds;
    const watchdogSeconds = cappedByDeadline ? Math.max(0, options.timeLeftSeconds!) : spec.timeoutSeconds;
    const onWatchdog = (): void =>
      stop(
        cappedByDeadline
          ? { kind: 'interrupted', reason: `interrupted in phase ${phase}: stopped after ${watchdogSeconds.toFixed(1)} s to end before the run's deadline (its watchdog of ${spec.timeoutSeconds} s would have outlasted it)` }
          : { kind: 'timeout', phase, watchdogSeconds, gpuWorkSeconds: gpuWorkStartedAt === null ? null : (performance.now() - gpuWorkStartedAt) / 1000 },
      );
    const watchdog = setTimeout(onWatchdog, watchdogSeconds * 1000);
    const onAbort = (): void => stop({ kind: 'interrupted', reason: `interrupted in phase ${phase}: ${String(options.signal?.reason ?? 'run aborted')}` });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'phase':
          phase = message.phase;
          if (message.phase === 'run' && message.gpu) gpuWorkStartedAt = performance.now();
          break;
        case 'engine':
          engine = message.info;
          setupSeconds = message.setupSeconds;
          break;
        case 'progress':
          options.onProgress?.(message.event);
          break;
        case 'done':
          runSeconds = message.runSeconds;
          answered({ kind: 'done', output: message.output });
          break;
        case 'stopped':
          answered(
            message.phase === 'interrupted'
              ? { kind: 'interrupted', reason: message.reason }
              : { kind: 'stopped', outcome: message.outcome, phase: message.phase, reason: message.reason },
          );
          break;
      }
    });
    child.on('error', (error) => {
      settled ??= { kind: 'crashed', phase, reason: `could not start the case process: ${error.message}`, exitCode: null, signal: null };
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(watchdog);
      // Whatever the case started and left behind goes with it.
      signalGroup('SIGKILL');
      options.signal?.removeEventListener('abort', onAbort);
      const stderrTail = tail(stderr, STDERR_TAIL_LINES);
      const outcome = settled ?? { kind: 'crashed', phase, reason: describeCrash(exitCode, signal, phase, stderr), exitCode, signal };
      resolve({ outcome, engine, setupSeconds, ...(runSeconds !== undefined && { runSeconds }), stderrTail });
    });
    const start: ParentMessage = { type: 'start', spec, ...(options.secrets !== undefined && { secrets: options.secrets }) };
    child.send(start);
  });
}

/**
 * The case process runs the compiled case-child.js beside this module. When this module itself
 * runs from src/ (the tests import it through vitest), plain node cannot run the .ts sibling, so
 * the child is the build's (dist/, made by `npm test` before the tests start).
 */
function caseChildEntry(): string {
  const beside = fileURLToPath(new URL('./case-child.js', import.meta.url));
  return existsSync(beside) ? beside : path.join(packageRoot, 'dist', 'runner', 'case-child.js');
}

function describeCrash(exitCode: number | null, signal: NodeJS.Signals | null, phase: string, stderr: string): string {
  const how = signal ? `killed by ${signal}` : `exited with code ${exitCode}`;
  let why = '';
  if (/heap out of memory|Allocation failed|std::bad_alloc|Cannot allocate memory/i.test(stderr)) why = ' (out of memory)';
  else if (signal === 'SIGKILL') why = ' (likely the kernel OOM killer or an external kill)';
  else if (signal === 'SIGSEGV' || signal === 'SIGBUS') why = ' (a native crash in the framework or driver)';
  else if (signal === 'SIGABRT') why = ' (aborted)';
  return `crashed in phase ${phase}: ${how}${why}`;
}

function tail(text: string, lines: number): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-lines);
}
