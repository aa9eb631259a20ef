import type { SlurmNodeState } from './node-state.js';
import { isUnavailable } from './node-state.js';

/** Every reason mlcheck sets starts with this, so it only ever undoes its own drains. */
export const REASON_TAG = 'mlcheck:';

/**
 * Slurm stores the reason as given; a line operators can read in `sinfo -R` is short. mlcheck's
 * verdict line is already one line of at most 200 characters.
 */
export const REASON_MAX_LENGTH = 200;

export type CheckVerdict = 'pass' | 'fail' | 'usage' | 'undecided';

export type NodeAction =
  | { kind: 'drain'; reason: string; why: string }
  | { kind: 'resume'; why: string }
  | { kind: 'none'; why: string };

/**
 * What a health check does to its node (NHC's lessons: #134 an admin's reason is never
 * overwritten, #139 "unknown" is never "bad", #95/#161 the checker's own trouble never drains):
 *  - fail: drain with "mlcheck: <summary>", unless the node is already out of service for a
 *    reason that is not mlcheck's;
 *  - pass: resume only a node mlcheck itself drained;
 *  - bad usage or undecided: nothing.
 */
export function decideNodeAction(state: SlurmNodeState, verdict: CheckVerdict, summary: string): NodeAction {
  const ours = state.reason !== null && state.reason.startsWith(REASON_TAG);
  const outOfService = isUnavailable(state);
  switch (verdict) {
    case 'fail':
      if (outOfService && !ours && state.reason !== null) return { kind: 'none', why: `left as it is: ${state.name} is ${state.states.join('+')} with an admin's reason "${state.reason}"` };
      return { kind: 'drain', reason: drainReason(summary), why: `the check failed on ${state.name}` };
    case 'pass':
      if (ours && outOfService) return { kind: 'resume', why: `the check passed; ${state.name} was drained by mlcheck ("${state.reason}")` };
      return { kind: 'none', why: state.reason !== null && !ours ? `passed; ${state.name} keeps its admin's reason "${state.reason}"` : `passed; nothing to change on ${state.name}` };
    case 'usage':
      return { kind: 'none', why: 'never drains on bad usage or configuration (exit 2)' };
    case 'undecided':
      return { kind: 'none', why: 'never drains when nothing could be decided (exit 3)' };
  }
}

/** "mlcheck: <summary>" on one line, within REASON_MAX_LENGTH. */
export function drainReason(summary: string): string {
  const body = summary.replace(/^mlcheck:\s*/, '').replace(/\s+/g, ' ').trim();
  const reason = `${REASON_TAG} ${body}`;
  return reason.length <= REASON_MAX_LENGTH ? reason : `${reason.slice(0, REASON_MAX_LENGTH - 3)}...`;
}
