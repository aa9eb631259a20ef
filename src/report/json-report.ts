import type { ProbeSnapshot } from '../probe/index.js';
import type { CaseResult, JudgedMetric, Outcome, RunSession } from '../references/results.js';
import type { DecidedRun, RunStatus } from '../references/run-outcome.js';
import { runSubjects } from '../references/run-subjects.js';
import { verdictLine } from './console.js';
import { countOutcomes } from './counts.js';

/** Bumped on any change a reader of an older version would misread; schema/report.schema.json matches it. */
export const REPORT_SCHEMA_VERSION = 1;
export const REPORT_KIND = 'mlcheck-run-report';

/** A judged metric as reported: its value is null when it was not a finite number (JSON has no NaN). */
export type ReportMetric = Omit<JudgedMetric, 'value'> & { value: number | null };

/** A case as reported: the runner's result, with metrics made JSON-safe (NaN becomes null). */
export type ReportCase = Omit<CaseResult, 'metrics'> & { metrics: Record<string, ReportMetric> };

/** The session as reported: the probe snapshot moves to the top level, counts are added. */
export type ReportSession = Omit<RunSession, 'probe'> & {
  total: number;
  counts: Record<Outcome, number>;
};

/** What the run decided about the node: the exit code's meaning and the one-line verdict. */
export interface ReportOutcome {
  status: RunStatus;
  /** As printed last on the console, e.g. "mlcheck: FAIL gpu-driver: ...". */
  summary: string;
  strict: boolean;
  /** What failed it, by subject: probe verdicts (gpu-ecc) and case ids (lenet/onnx/cuda); empty unless it failed. Absent in reports of earlier versions. */
  subjects?: string[];
}

export interface JsonReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  kind: typeof REPORT_KIND;
  /** Absent in reports of mlcheck before 0.2. */
  outcome?: ReportOutcome;
  session: ReportSession;
  probe: ProbeSnapshot | null;
  cases: ReportCase[];
}

/** The JSON report of a run: everything an operator or a script needs, in one versioned document; its outcome is the run's stored decision. */
export function buildJsonReport(record: DecidedRun): JsonReport {
  const { session, decision } = record;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: REPORT_KIND,
    outcome: { status: decision.status, summary: verdictLine(record), strict: decision.strict, subjects: runSubjects(record).failed },
    session: {
      id: session.id,
      host: session.host,
      user: session.user,
      commandLine: [...session.commandLine],
      mlcheckVersion: session.mlcheckVersion,
      startedAt: session.startedAt,
      endedAt: session.endedAt,
      profile: session.profile,
      interrupted: session.interrupted,
      outDir: session.outDir,
      slurm: session.slurm ?? null,
      total: record.cases.length,
      counts: countOutcomes(record.cases),
    },
    probe: session.probe ?? null,
    cases: record.cases.map(reportCase),
  };
}

function reportCase(c: CaseResult): ReportCase {
  const metrics: Record<string, ReportMetric> = {};
  for (const [name, m] of Object.entries(c.metrics)) {
    metrics[name] = {
      value: Number.isFinite(m.value) ? m.value : null,
      unit: m.unit,
      reference: m.reference,
      threshold: m.threshold,
      verdict: m.verdict,
    };
  }
  return {
    id: c.id,
    workload: c.workload,
    engine: c.engine,
    backend: c.backend,
    device: c.device,
    profile: c.profile,
    outcome: c.outcome,
    failPhase: c.failPhase,
    reason: c.reason,
    seed: c.seed,
    versions: c.versions,
    timings: c.timings,
    metrics,
    hyperparameters: c.hyperparameters,
    lines: c.lines,
    details: c.details,
    artifacts: c.artifacts,
    ...(c.crash && { crash: c.crash }),
    ...(c.attempts && { attempts: c.attempts }),
    ...(c.via && { via: c.via }),
    ...(c.jupyter && { jupyter: c.jupyter }),
  };
}
