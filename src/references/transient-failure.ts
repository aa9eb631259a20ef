import type { CaseResult } from './results.js';

/**
 * A failure one more attempt may not repeat: a crash (a process killed from outside, a framework
 * that tripped over a busy node) or a hang that counted as fail (references/timeout-outcome.ts).
 * `slurm check` runs such a case once more and drains only when the failure repeats. A wrong
 * answer (failPhase sanity or performance) is a fact, as is an error the framework raised and
 * named (a GPU trial that answered wrong, a CUDA error); the node verdicts (ECC, Xid, a missing
 * GPU) are not case results at all. Those drain at once.
 */
export function isTransientFailure(result: Pick<CaseResult, 'outcome' | 'failPhase'>): boolean {
  return result.outcome === 'fail' && (result.failPhase === 'crash' || result.failPhase === 'timeout');
}
