import { OUTCOMES } from '../references/results.js';
import type { DecidedRun, RunStatus } from '../references/run-outcome.js';
import { gpuHealthFamilies, probeHealth } from './gpu-health-metrics.js';
import { probeVerdicts } from './probe-view.js';

/** Statuses always exported for each probe subject, so an alert can match `== 1` on any of them. */
const PROBE_STATUSES = ['pass', 'warn', 'fail', 'skip'] as const;

/**
 * Prometheus text exposition for node_exporter's textfile collector. Every state of an enum is
 * exported (1 for the actual one, 0 for the others), so alerts need no absent() tricks.
 * The caller writes the file atomically: the collector must never read half of it.
 */
const RUN_STATUSES: readonly RunStatus[] = ['pass', 'warn', 'fail', 'undecided'];

/** The run's textfile; mlcheck_run_outcome is its stored decision. */
export function renderPrometheus(record: DecidedRun): string {
  const { session, cases } = record;
  const out: string[] = [];
  const family = (name: string, help: string, samples: string[]): void => {
    if (samples.length === 0) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples);
  };

  const status = record.decision.status;
  family(
    'mlcheck_run_outcome',
    'What the last mlcheck run decided about the node: 1 for the actual status (fail exits 1 and may drain; undecided exits 3 and never drains), 0 for the others.',
    RUN_STATUSES.map((s) => sample('mlcheck_run_outcome', { status: s }, s === status ? 1 : 0)),
  );
  family(
    'mlcheck_case_outcome',
    'Outcome of each mlcheck case in the last run: 1 for the actual outcome, 0 for the others.',
    cases.flatMap((c) => OUTCOMES.map((outcome) => sample('mlcheck_case_outcome', { workload: c.workload, engine: c.engine, backend: c.backend, outcome }, c.outcome === outcome ? 1 : 0))),
  );
  family(
    'mlcheck_metric',
    'A number measured by an mlcheck case in the last run (unit in the unit label).',
    cases.flatMap((c) =>
      Object.entries(c.metrics).map(([name, metric]) => sample('mlcheck_metric', { workload: c.workload, engine: c.engine, backend: c.backend, name, unit: metric.unit }, metric.value)),
    ),
  );
  family(
    'mlcheck_case_duration_seconds',
    'Wall time of each mlcheck case in the last run.',
    cases.map((c) => sample('mlcheck_case_duration_seconds', { workload: c.workload, engine: c.engine, backend: c.backend }, c.timings.wallSeconds)),
  );
  out.push(...probeFamilies(session.probe));
  family('mlcheck_run_interrupted', '1 when the last mlcheck run was stopped before every case finished.', [sample('mlcheck_run_interrupted', {}, session.interrupted ? 1 : 0)]);
  family('mlcheck_last_run_timestamp_seconds', 'Unix time at which the last mlcheck run ended (or started, if it never ended).', [
    sample('mlcheck_last_run_timestamp_seconds', {}, Date.parse(session.endedAt ?? session.startedAt) / 1000),
  ]);
  return `${out.join('\n')}\n`;
}

/** `mlcheck probe --prom`: the probe's verdicts and each GPU's health, without a run. */
export function renderProbePrometheus(probe: unknown): string {
  return `${probeFamilies(probe).join('\n')}\n`;
}

/** The probe's verdicts, then the per-GPU health series (mlcheck_gpu_...{gpu,uuid,pci}). */
function probeFamilies(probe: unknown): string[] {
  const out: string[] = [];
  const family = (name: string, help: string, samples: string[]): void => {
    if (samples.length > 0) out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples);
  };
  family(
    'mlcheck_probe_verdict',
    "Verdict of each of the manual's node rules and GPU checks in the last probe: 1 for the actual status, 0 for the others.",
    probeVerdicts(probe).flatMap((v) => {
      const statuses = PROBE_STATUSES.includes(v.status as (typeof PROBE_STATUSES)[number]) ? PROBE_STATUSES : [...PROBE_STATUSES, v.status];
      return statuses.map((status) => sample('mlcheck_probe_verdict', { subject: v.subject, status }, v.status === status ? 1 : 0));
    }),
  );
  for (const metric of gpuHealthFamilies(probeHealth(probe))) family(metric.name, metric.help, metric.samples.map((s) => sample(metric.name, s.labels, s.value)));
  return out;
}

export function sample(name: string, labels: Record<string, string>, value: number): string {
  const rendered = Object.entries(labels)
    .map(([key, v]) => `${key}="${escapeLabelValue(v)}"`)
    .join(',');
  return `${name}${rendered ? `{${rendered}}` : ''} ${formatSampleValue(value)}`;
}

/** The exposition format escapes exactly backslash, double quote and line feed in label values. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
