import { hasNvidiaGpus, type Verdict } from '../probe/index.js';
import type { CaseResult, RunRecord } from './results.js';

/** What a run says about the node, and the exit code that goes with it (DESIGN.md §4). */
export type RunStatus = 'pass' | 'warn' | 'fail' | 'undecided';

export type RunCause =
  /**
   * A probe verdict that applies to this node failed (gpu-driver, gpu-count, an installed
   * package), or, undecided, the driver of the node's GPUs could not be asked at all.
   */
  | { kind: 'node-verdict'; verdict: Verdict }
  /** These cases decided it: failures, or under --strict skips and warnings, or undecided ones. */
  | { kind: 'cases'; cases: CaseResult[]; why: 'failed' | 'skipped under --strict' | 'outside its performance reference' | 'could not be decided' }
  | { kind: 'interrupted' }
  /** No case passed or warned: nothing was checked. */
  | { kind: 'nothing-ran'; skipped: CaseResult | null }
  | { kind: 'passed' };

export interface RunOutcome {
  status: RunStatus;
  cause: RunCause;
}

/**
 * The one place that decides a run. In order: a node verdict that fails (a GPU node whose driver
 * fails never passes on the CPU), a case that fails, then under --strict (acceptance) a planned
 * case that was skipped or missed its performance reference; only then "undecided" for GPUs whose
 * driver could not be asked, an interruption, a case mlcheck could not decide, or a run in which
 * nothing ran.
 */
export function decideRun(record: RunRecord, options: { strict?: boolean } = {}): RunOutcome {
  const strict = options.strict === true;
  const failingVerdict = nodeVerdicts(record).find((verdict) => verdict.status === 'fail');
  if (failingVerdict !== undefined) return { status: 'fail', cause: { kind: 'node-verdict', verdict: failingVerdict } };
  const withOutcome = (outcome: CaseResult['outcome']): CaseResult[] => record.cases.filter((c) => c.outcome === outcome);
  const failed = withOutcome('fail');
  if (failed.length > 0) return { status: 'fail', cause: { kind: 'cases', cases: failed, why: 'failed' } };
  const skipped = withOutcome('skip');
  const warned = withOutcome('warn');
  if (strict && skipped.length > 0) return { status: 'fail', cause: { kind: 'cases', cases: skipped, why: 'skipped under --strict' } };
  if (strict && warned.length > 0) return { status: 'fail', cause: { kind: 'cases', cases: warned, why: 'outside its performance reference' } };
  // GPUs on the node whose driver was never asked (no native addon): their health is unknown, so
  // passing cases must not pass the node.
  const unaskedDriver = nodeVerdicts(record).find((verdict) => verdict.subject === 'gpu-driver' && verdict.status === 'skip');
  const probe = record.session.probe;
  if (unaskedDriver !== undefined && probe !== null && hasNvidiaGpus(probe)) return { status: 'undecided', cause: { kind: 'node-verdict', verdict: unaskedDriver } };
  if (record.session.interrupted) return { status: 'undecided', cause: { kind: 'interrupted' } };
  const undecided = withOutcome('error');
  if (undecided.length > 0) return { status: 'undecided', cause: { kind: 'cases', cases: undecided, why: 'could not be decided' } };
  if (withOutcome('pass').length + warned.length === 0) return { status: 'undecided', cause: { kind: 'nothing-ran', skipped: skipped[0] ?? null } };
  if (warned.length > 0) return { status: 'warn', cause: { kind: 'cases', cases: warned, why: 'outside its performance reference' } };
  return { status: 'pass', cause: { kind: 'passed' } };
}

/** The probe verdicts that decide this node's fitness (see Verdict.appliesToNode). */
export function nodeVerdicts(record: RunRecord): Verdict[] {
  return (record.session.probe?.verdicts ?? []).filter((verdict) => verdict.appliesToNode === true);
}
