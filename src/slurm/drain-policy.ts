import { describeDrain, parseDrainReason, type DrainSource, type MlcheckDrain } from './drain-reason.js';
import type { SlurmNodeState } from './node-state.js';
import { isUnavailable } from './node-state.js';

export { REASON_MAX_LENGTH } from './drain-reason.js';

export type CheckVerdict = 'pass' | 'fail' | 'usage' | 'undecided';

export type NodeAction =
  | { kind: 'drain'; reason: string; why: string }
  | { kind: 'resume'; why: string }
  | { kind: 'none'; why: string };

export interface NodeActionRequest {
  /** Who acts: the health check (`check`), or a sweep draining failures (`sweep`) or outliers (`outlier`). */
  source: DrainSource;
  verdict: CheckVerdict;
  /** The reason to drain with when the verdict is fail (formatDrainReason). */
  drainReason: string;
  /** What this run has just re-checked without a failure (verdicts and cases that passed or warned). */
  passed: readonly string[];
  /** What this run has just found failing. */
  failed: readonly string[];
}

/**
 * What a health check or a sweep does to a node (NHC's lessons: #134 an admin's reason is never
 * overwritten, #139 "unknown" is never "bad", #95/#161 the checker's own trouble never drains):
 *  - fail: drain with the request's reason, unless the node is already out of service for a
 *    reason that is not mlcheck's, or (the health check) for one of mlcheck's that this run did
 *    not re-check: a sweep's, an outlier's, a check's for subjects this check does not run;
 *  - pass: resume only a node the health check drained for subjects this run has just
 *    re-checked and passed; never a sweep's or an outlier's drain, nor an admin's;
 *  - bad usage or undecided: nothing.
 */
export function decideNodeAction(state: SlurmNodeState, request: NodeActionRequest): NodeAction {
  const drain = parseDrainReason(state.reason);
  const outOfService = isUnavailable(state);
  switch (request.verdict) {
    case 'fail': {
      if (!outOfService || state.reason === null) return { kind: 'drain', reason: request.drainReason, why: `the check failed on ${state.name}` };
      if (drain === null) return { kind: 'none', why: `left as it is: ${state.name} is ${state.states.join('+')} with an admin's reason "${state.reason}"` };
      const rechecked = [...request.passed, ...request.failed];
      if (request.source !== 'check' || ownRecheckedDrain(drain, rechecked)) return { kind: 'drain', reason: request.drainReason, why: `the check failed on ${state.name}` };
      return { kind: 'none', why: `left as it is: ${state.name} stays drained by ${describeDrain(drain)} ("${state.reason}"), which this check did not re-check; it also fails now: ${request.drainReason}` };
    }
    case 'pass':
      if (!outOfService || state.reason === null) return { kind: 'none', why: `passed; nothing to change on ${state.name}` };
      if (drain === null) return { kind: 'none', why: `passed; ${state.name} keeps its admin's reason "${state.reason}"` };
      if (request.source === 'check' && ownRecheckedDrain(drain, request.passed)) {
        return { kind: 'resume', why: `the check passed ${subjectsOf(drain)}; ${state.name} was drained by ${describeDrain(drain)} ("${state.reason}")` };
      }
      return { kind: 'none', why: `passed, but ${state.name} stays drained: ${whyNotResumed(drain, state, request)}` };
    case 'usage':
      return { kind: 'none', why: 'never drains on bad usage or configuration (exit 2)' };
    case 'undecided':
      return { kind: 'none', why: 'never drains when nothing could be decided (exit 3)' };
  }
}

/** A health check's own drain, every subject of which is among those just re-checked. */
function ownRecheckedDrain(drain: MlcheckDrain, rechecked: readonly string[]): boolean {
  return drain.format === 'tagged' && drain.source === 'check' && drain.subjectsComplete && drain.subjects.length > 0 && drain.subjects.every((subject) => rechecked.includes(subject));
}

function subjectsOf(drain: MlcheckDrain): string {
  return drain.format === 'tagged' ? drain.subjects.join(', ') : 'an unknown subject';
}

function whyNotResumed(drain: MlcheckDrain, state: SlurmNodeState, request: NodeActionRequest): string {
  const drained = `it was drained by ${describeDrain(drain)} ("${state.reason}")`;
  const byHand = `scontrol update nodename=${state.name} state=resume`;
  if (drain.format === 'legacy') return `${drained}; what failed is unknown, so a health check never resumes it: once the node is fixed, resume it by hand (${byHand})`;
  if (drain.source !== 'check') {
    return `${drained}; a health check never resumes a sweep's drain: sweep the node again (mlcheck slurm sweep --nodes ${state.name} --profile ${drain.profile}) and resume it by hand (${byHand})`;
  }
  const missing = drain.subjects.filter((subject) => !request.passed.includes(subject));
  const what = drain.subjectsComplete ? missing.join(', ') : 'subjects the reason does not name';
  return `${drained}; this check did not re-check and pass ${what}: run mlcheck slurm check --profile ${drain.profile} on the node, or resume it by hand (${byHand})`;
}
