/**
 * What a case that hit its own watchdog says about the node: the one rule for timeouts
 * (docs/slurm.md, "Timeouts, crashes and the deadline").
 *
 * A timeout is `fail` only where the case proves a fault: its GPU work (the run phase of a session
 * on a GPU backend) had started and ran for at least half the watchdog without finishing, as a hung
 * kernel, driver or GPU does. Everything else is undecided (`error`): a case still in its setup
 * phase (the node was busy starting processes: a loaded node, a cold shared file system), a CPU
 * case that is merely slow under load, or a GPU case whose slow start left its GPU work too little
 * of the watchdog to prove anything. A case stopped because the run's deadline was near is not a
 * timeout at all: the runner reports it interrupted.
 */

/** The share of the watchdog the GPU work must have had to itself before its hang counts as proven. */
export const PROVEN_HANG_SHARE = 0.5;

export interface TimeoutFacts {
  /** The case's watchdog (its profile's timeoutSeconds, or --timeout). */
  watchdogSeconds: number;
  /** The phase the case was in when its watchdog fired. */
  phase: 'setup' | 'run';
  /** How long its GPU work had been running when the watchdog fired; null: no GPU work had started. */
  gpuWorkSeconds: number | null;
}

export interface TimeoutOutcome {
  outcome: 'fail' | 'error';
  reason: string;
}

export function decideTimeout(facts: TimeoutFacts): TimeoutOutcome {
  const timedOut = `timed out after ${seconds(facts.watchdogSeconds)} in phase ${facts.phase}`;
  if (facts.phase === 'setup') return { outcome: 'error', reason: `${timedOut}, before its work started: a slow start (a loaded node, a cold file system) proves no fault` };
  if (facts.gpuWorkSeconds === null) return { outcome: 'error', reason: `${timedOut} on the CPU: a CPU case slowed by a loaded node proves no fault` };
  if (facts.gpuWorkSeconds < facts.watchdogSeconds * PROVEN_HANG_SHARE) {
    return { outcome: 'error', reason: `${timedOut} after only ${seconds(facts.gpuWorkSeconds)} of GPU work (under ${PROVEN_HANG_SHARE * 100}% of the watchdog): the slow start, not the GPU, used the time` };
  }
  return { outcome: 'fail', reason: `${timedOut}: its GPU work ran ${seconds(facts.gpuWorkSeconds)} without finishing (a hung GPU, driver or kernel)` };
}

function seconds(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)} s`;
}
