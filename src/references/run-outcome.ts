import { hasNvidiaGpus, type ProbeSnapshot, type Verdict } from '../probe/index.js';
import type { CaseResult, RunRecord } from './results.js';

/** What a run says about the node, and the exit code that goes with it (docs/design.md §4). */
export type RunStatus = 'pass' | 'warn' | 'fail' | 'undecided';

/** A source the GPU health verdicts need, which this run could not read. */
export interface UnreadHealthSource {
  source: 'native addon' | 'driver API' | 'NVML' | 'kernel log';
  /** What could not be read and why, e.g. "NVML could not be used: libnvidia-ml.so.1 not found: ...". */
  problem: string;
  /** The operator's next step, short enough to end the verdict line. */
  fix: string;
}

export type RunCause =
  /** A probe verdict that applies to this node failed (gpu-driver, gpu-count, an installed package). */
  | { kind: 'node-verdict'; verdict: Verdict }
  /** On a GPU node, a source the health verdicts need was not read: the node's health is unknown. */
  | { kind: 'unread-health'; sources: UnreadHealthSource[] }
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

/** A run's outcome as it was decided, once, with the rule it was decided under. */
export interface RunDecision extends RunOutcome {
  /** --strict (acceptance): skips and performance warnings failed the run. Readers never apply it again. */
  strict: boolean;
}

/** A run record with its decision stored: what the console, the reports, the exit code and Slurm read. */
export interface DecidedRun extends RunRecord {
  decision: RunDecision;
}

/** Decides a finished run and stores the decision on its record; the check of a node calls it once, at the end. */
export function withDecision(record: RunRecord, options: { strict?: boolean } = {}): DecidedRun {
  const strict = options.strict === true;
  return { ...record, decision: { ...decideRun(record, { strict }), strict } };
}

/**
 * The one place that decides a run. In order: a node verdict that fails (a GPU node whose driver
 * fails never passes on the CPU), a case that fails, then under --strict (acceptance) a planned
 * case that was skipped or missed its performance reference; only then "undecided" for a GPU
 * node whose health could not be read, an interruption, a case mlcheck could not decide, or a
 * run in which nothing ran.
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
  const unread = record.session.probe === null ? [] : unreadHealthSources(record.session.probe);
  if (unread.length > 0) return { status: 'undecided', cause: { kind: 'unread-health', sources: unread } };
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

/**
 * The rule "health must be read": on a GPU node (GPUs on PCI or seen by the driver, and the job,
 * if any, was given some), each source the GPU health verdicts read is either read or named
 * here. A verdict that skips because a source answered "not supported" (a GPU without ECC) was
 * read; one that skips because the source could not be opened, initialised or read was not.
 * Without the addon neither the driver API nor NVML was asked, so the addon alone is named.
 */
export function unreadHealthSources(probe: ProbeSnapshot): UnreadHealthSource[] {
  if (!hasNvidiaGpus(probe)) return [];
  const unread: UnreadHealthSource[] = [];
  if (probe.source === 'fallback' || probe.gpuErrorKind === 'not-probed') {
    unread.push({
      source: 'native addon',
      problem: `the NVIDIA driver was not asked: ${firstLine(probe.fallbackReason ?? probe.gpuError ?? 'the native addon did not load')}`,
      fix: "build the native addon: npm rebuild mlcheck (needs a C++ compiler)",
    });
  } else {
    if (probe.gpuError !== null) {
      unread.push({
        source: 'driver API',
        problem: `the driver API (libcuda.so.1) could not be used: ${probe.gpuError}`,
        fix: "install the NVIDIA driver's libcuda.so.1 matching the nvidia kernel module (see gpu-driver)",
      });
    }
    if (probe.nvmlError !== null) {
      unread.push({
        source: 'NVML',
        problem: `NVML could not be used: ${probe.nvmlError}`,
        fix: "install the NVIDIA driver's libnvidia-ml.so.1 (nvidia-smi uses it too)",
      });
    }
  }
  // Snapshots of mlcheck before probe schema 3 have no kernel log; nothing was recorded to judge.
  const kernelLogError = (probe.kernelLog as ProbeSnapshot['kernelLog'] | undefined)?.error ?? null;
  if (kernelLogError !== null) {
    unread.push({
      source: 'kernel log',
      problem: `the kernel log could not be read (no Xid seen): ${kernelLogError}`,
      fix: 'run as root, or add the user to the systemd-journal group (journalctl -k -b)',
    });
  }
  return unread;
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}
