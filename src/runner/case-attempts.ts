import type { CaseAttempt, CaseResult } from '../references/results.js';
import { isTransientFailure } from '../references/transient-failure.js';

export interface AttemptOptions {
  /** Run a case once more after a failure that can be transient (a crash, a hang); only a repeat stands. */
  retryTransientFailures: boolean;
  /** Seconds left for another attempt before the run's deadline; undefined: the run has none. */
  timeLeftSeconds: () => number | undefined;
  /** The case's own watchdog: only a second attempt with all of it can confirm a hang. */
  watchdogSeconds: number;
  /** The run was stopped (Ctrl-C, SIGTERM, the deadline): no attempt starts any more. */
  signal?: AbortSignal;
  /** The first attempt failed in a way that can be transient, and runs again. */
  onRetry?: (first: CaseResult) => void;
}

/**
 * Runs one case: once, or, when retrying is on and it failed in a way that can be transient, once
 * more, so that a node is drained only for a failure that repeats. A second attempt that cannot
 * confirm the failure before the deadline is not started, and the failure seen once is undecided:
 * a crash needs any time at all, a hang the whole watchdog (a watchdog cut by the deadline ends
 * the case interrupted, never timed out). The result is the last attempt's, with every attempt in
 * `attempts`.
 */
export async function runAttempts(attempt: (timeLeftSeconds: number | undefined) => Promise<CaseResult>, options: AttemptOptions): Promise<CaseResult> {
  const first = await attempt(options.timeLeftSeconds());
  if (!options.retryTransientFailures || !isTransientFailure(first)) return first;
  const left = options.timeLeftSeconds();
  const needed = first.failPhase === 'timeout' ? options.watchdogSeconds : 0;
  const noRetry = options.signal?.aborted
    ? 'the run was stopped before it could run again'
    : left !== undefined && left <= needed
      ? `no time was left before the run's deadline to run it again${needed > 0 ? ` under its full watchdog (${needed} s)` : ''}`
      : null;
  if (noRetry !== null) return { ...first, outcome: 'error', reason: unconfirmed(first, noRetry), attempts: [attemptOf(first)] };
  options.onRetry?.(first);
  const second = await attempt(left);
  const startedAt = first.timings.startedAt;
  const wallSeconds = (Date.parse(second.timings.endedAt) - Date.parse(startedAt)) / 1000;
  return { ...second, timings: { ...second.timings, startedAt, wallSeconds }, attempts: [attemptOf(first), attemptOf(second)] };
}

function attemptOf(result: CaseResult): CaseAttempt {
  return { outcome: result.outcome, failPhase: result.failPhase, reason: result.reason, timings: result.timings, ...(result.crash && { crash: result.crash }) };
}

/** The first line says it is undecided and why; the failure's own text follows. */
function unconfirmed(first: CaseResult, why: string): string {
  const [headline = '', ...rest] = (first.reason ?? `failed in phase ${first.failPhase}`).split('\n');
  const what = first.failPhase === 'timeout' ? 'a hang' : 'a crash';
  return [`${headline}; undecided: ${why}, and ${what} seen once proves no fault`, ...rest].join('\n');
}
