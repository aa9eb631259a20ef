import { chosenDataDir } from '../datasets/locations.js';
import type { PlanRequest } from './types.js';
import type { RunState } from './run-dir.js';

/** An option given with --resume whose value is not the one the resumed run was planned with. */
export interface ResumeContradiction {
  option: keyof PlanRequest;
  given: string;
  /** What the run used; null when its run.json does not say (a run of mlcheck before 0.2). */
  resumed: string | null;
}

/**
 * A resumed run keeps its plan, so every plan option given again must say what the run said;
 * otherwise the operator would believe it changed something that is silently ignored.
 */
export function resumeContradictions(state: RunState, given: Partial<PlanRequest>): ResumeContradiction[] {
  const contradictions: ResumeContradiction[] = [];
  for (const option of Object.keys(given) as (keyof PlanRequest)[]) {
    const asGiven = comparable(option, given[option]);
    const resumed = state.request === undefined ? null : comparable(option, state.request[option]);
    if (asGiven !== resumed) contradictions.push({ option, given: asGiven, resumed });
  }
  return contradictions;
}

/** A value as text that compares equal when it means the same: lists as sets, the data dir resolved, defaults as absent. */
function comparable(option: keyof PlanRequest, value: PlanRequest[keyof PlanRequest]): string {
  if (option === 'dataDir') return chosenDataDir(value as string | undefined) ?? '(none)';
  if (Array.isArray(value)) return [...new Set(value as readonly string[])].sort().join(', ') || '(all)';
  if (value === undefined) return '(default)';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
