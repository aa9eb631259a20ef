import { OUTCOMES, type CaseResult, type Outcome } from '../references/results.js';

/** How many cases ended with each outcome; every outcome is present (0 when none). */
export function countOutcomes(cases: readonly Pick<CaseResult, 'outcome'>[]): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;
  for (const c of cases) counts[c.outcome] += 1;
  return counts;
}
