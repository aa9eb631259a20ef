import type { DecidedRun, RunStatus } from '../references/run-outcome.js';
import { EXIT } from './context.js';

const EXIT_OF: Record<RunStatus, number> = { pass: EXIT.ok, warn: EXIT.ok, fail: EXIT.failed, undecided: EXIT.undecided };

/** The run's stored decision as an exit code: 0 passed (skips and warnings allowed unless it was decided under --strict), 1 the node failed, 3 nothing decided. */
export function exitCodeForRun(record: DecidedRun): number {
  return EXIT_OF[record.decision.status];
}
