import type { RunRecord } from '../references/results.js';
import { decideRun, type RunStatus } from '../references/run-outcome.js';
import { EXIT } from './context.js';

const EXIT_OF: Record<RunStatus, number> = { pass: EXIT.ok, warn: EXIT.ok, fail: EXIT.failed, undecided: EXIT.undecided };

/** DESIGN.md §4: 0 passed (skips and warnings allowed unless strict), 1 the node failed, 3 nothing decided. */
export function exitCodeForRun(record: RunRecord, strict: boolean): number {
  return EXIT_OF[decideRun(record, { strict }).status];
}
