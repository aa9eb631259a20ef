import type { JupyterKernelFacts } from '../engines/python/jupyter/target.js';
import type { EngineId } from '../engines/types.js';
import type { ProbeSnapshot } from '../probe/index.js';
import type { Measurement, ParamValue, ProfileId } from '../workloads/types.js';

/**
 * The vocabulary of judged results (docs/design.md §4): what judging a case or a run produces, and
 * what the reports read. The runner fills these in; the references layer decides their outcomes.
 */
export type Outcome = 'pass' | 'fail' | 'warn' | 'skip' | 'error';
export const OUTCOMES: readonly Outcome[] = ['pass', 'fail', 'warn', 'skip', 'error'];

/** Where a failing case failed, as ReFrame names its pipeline stages. */
export type FailPhase = 'setup' | 'run' | 'sanity' | 'performance' | 'crash' | 'timeout' | 'interrupted';

/** A quality threshold from references/profiles.yaml: the metric must be <= max and/or >= min. */
export interface Threshold {
  min?: number;
  max?: number;
}

/** A performance reference (value, lower, upper, unit) with fractional tolerances, as ReFrame has it and nodes.yaml writes it. */
export interface ReferenceValue {
  value: number;
  /** Fractional: -0.1 means 10 % below value is still in bounds. null: unbounded. */
  lower: number | null;
  upper: number | null;
  unit: string;
}

/** A reference as it judges a metric: with the node class it came from. */
export interface PerformanceReference extends ReferenceValue {
  nodeClass: string;
}

export type MetricVerdict = 'pass' | 'fail' | 'warn' | 'info';

export interface JudgedMetric extends Measurement {
  threshold: Threshold | null;
  reference: Omit<ReferenceValue, 'unit'> | null;
  verdict: MetricVerdict;
}

export interface CaseTimings {
  startedAt: string;
  endedAt: string;
  wallSeconds: number;
  /** Engine/backend load time. */
  setupSeconds?: number;
  /** The workload itself; wallSeconds minus both is the case process's start-up and teardown. */
  runSeconds?: number;
}

/** One run of a case, when the runner ran it more than once (CaseResult.attempts). */
export interface CaseAttempt {
  outcome: Outcome;
  failPhase: FailPhase | null;
  reason: string | null;
  timings: CaseTimings;
  crash?: CaseResult['crash'];
}

export interface CaseResult {
  id: string;
  workload: string;
  engine: EngineId;
  backend: string;
  device: string;
  profile: ProfileId;
  outcome: Outcome;
  failPhase: FailPhase | null;
  reason: string | null;
  seed: number;
  versions: Record<string, string>;
  timings: CaseTimings;
  metrics: Record<string, JudgedMetric>;
  hyperparameters: Record<string, ParamValue | readonly ParamValue[]>;
  lines: string[];
  details: Record<string, unknown>;
  artifacts: string[];
  /** Crash diagnostics: exit code or signal, last lines of stderr. */
  crash?: { exitCode: number | null; signal: string | null; stderrTail: string[] };
  /**
   * Each run of the case, in order, when a failure that can be transient (a crash, a hang) was run
   * once more (`slurm check`), or was left undecided because no time was left for that. The case's
   * own outcome, failPhase and reason are the decision; absent: the case ran once.
   */
  attempts?: CaseAttempt[];
  /** The python engine ran in a kernel of a Jupyter server (--jupyter): which, where, and its latencies. */
  via?: 'jupyter';
  jupyter?: JupyterKernelFacts;
}

export interface RunSession {
  id: string;
  host: string;
  user: string;
  commandLine: string[];
  mlcheckVersion: string;
  startedAt: string;
  endedAt: string | null;
  profile: ProfileId;
  /** The probe snapshot taken at the start of the run; null if the probe itself failed. */
  probe: ProbeSnapshot | null;
  /** True when SIGINT/SIGTERM stopped the run before every planned case finished. */
  interrupted: boolean;
  /** The run's output directory (case files, artifacts, report). */
  outDir: string;
  /** The Slurm job the run ran in (SLURM_JOB_ID, SLURMD_NODENAME); null outside one; absent in older run records. */
  slurm?: SlurmJobOfRun | null;
}

export interface SlurmJobOfRun {
  jobId: string;
  /** The Slurm node name (SLURMD_NODENAME), which may differ from the host name. */
  node: string | null;
}

export interface RunRecord {
  session: RunSession;
  cases: CaseResult[];
}
