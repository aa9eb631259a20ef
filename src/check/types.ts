import type { PlanOptions } from '../runner/plan.js';
import type { RunEvent } from '../runner/run.js';

/** A plan of cases as a command asks for it: the plan request, where the run goes, test workloads. */
export type CasePlan = Omit<PlanOptions, 'profiles' | 'gpuPresent' | 'gpus'>;

/** What a check runs once the node is known. */
export type CasesToRun =
  /** One run of a plan (`run`, `slurm check`). */
  | { kind: 'plan'; plan: CasePlan }
  /** Finish the interrupted run in outDir with its own plan (`run --resume`). */
  | { kind: 'resume'; outDir: string }
  /** The plan `repetitions` times, seed n in outDir/repetition-n, folded into medians (`bench`). */
  | { kind: 'repeat'; plan: Omit<CasePlan, 'seed'>; repetitions: number };

/** What a check tells its caller while it runs: the runner's events, and its own steps. The CLI prints them. */
export type CheckEvent =
  | RunEvent
  /** A step of the probe failed; the check goes on without it. */
  | { type: 'probe-failed'; reason: string }
  /** The case processes were shown only the job's GPUs (or the job's own list by UUID): what was set, in a line. */
  | { type: 'gpus-scoped'; note: string }
  /** A bench repetition starts. */
  | { type: 'repetition'; repetition: number; of: number };

/**
 * Runs `work` with a signal that stops the running case (the CLI's: SIGINT, SIGTERM and the
 * deadline), so that a stopped check still ends with a record (undecided) to report.
 */
export type Interruptible = <T>(work: (signal: AbortSignal) => Promise<T>, options: { deadlineSeconds?: number }) => Promise<T>;
