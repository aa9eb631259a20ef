import type { CaseResult } from '../runner/types.js';
import { EXIT } from './context.js';

/** DESIGN.md §4: 0 all passed (skip/warn allowed unless strict), 1 a failure, 3 nothing decided. */
export function exitCodeForCases(cases: readonly CaseResult[], strict: boolean, interrupted = false): number {
  const count = (outcome: CaseResult['outcome']): number => cases.filter((c) => c.outcome === outcome).length;
  if (count('fail') > 0) return EXIT.failed;
  if (interrupted || count('error') > 0) return EXIT.undecided;
  if (count('pass') + count('warn') === 0) return EXIT.undecided;
  if (strict && count('warn') + count('skip') > 0) return EXIT.failed;
  return EXIT.ok;
}
