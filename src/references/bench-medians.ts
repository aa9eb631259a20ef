import { median } from '../util/statistics.js';
import { referencesFor } from './case-key.js';
import { judgeMetrics } from './judge.js';
import type { NodeClass } from './node-references.js';
import type { CaseResult, JudgedMetric, Outcome, RunRecord } from './results.js';

export interface AggregateOptions {
  /** The node class whose references judge the medians; null: nothing to judge against. */
  nodeClass: NodeClass | null;
  /** Outside a reference is a failure instead of a warning. */
  strict?: boolean;
}

const SEVERITY: Record<Outcome, number> = { fail: 4, error: 3, warn: 2, skip: 1, pass: 0 };

/**
 * Folds N repetitions of the same plan into one record: per case the median of each metric,
 * judged against the node class reference. A case that failed or could not be decided in any
 * repetition keeps that repetition's result: a median must not hide a crash.
 */
export function aggregateRepetitions(records: readonly RunRecord[], options: AggregateOptions): RunRecord {
  if (records.length === 0) throw new Error('aggregateRepetitions needs at least one run');
  const first = records[0]!;
  const last = records.at(-1)!;
  const order: string[] = [];
  const byCase = new Map<string, CaseResult[]>();
  for (const rec of records) {
    for (const c of rec.cases) {
      if (!byCase.has(c.id)) {
        order.push(c.id);
        byCase.set(c.id, []);
      }
      byCase.get(c.id)!.push(c);
    }
  }
  const cases = order.map((id) => aggregateCase(byCase.get(id)!, records.length, options));
  return {
    session: { ...first.session, endedAt: last.session.endedAt, interrupted: records.some((r) => r.session.interrupted) },
    cases,
  };
}

function aggregateCase(repetitions: CaseResult[], planned: number, options: AggregateOptions): CaseResult {
  const worst = [...repetitions].sort((a, b) => SEVERITY[b.outcome] - SEVERITY[a.outcome])[0]!;
  const note = (c: CaseResult): string => `repetition ${repetitions.indexOf(c) + 1} of ${repetitions.length}`;
  if (worst.outcome === 'fail' || worst.outcome === 'error') {
    return { ...worst, reason: `${note(worst)}: ${worst.reason ?? worst.outcome}` };
  }
  const measured = repetitions.filter((c) => c.outcome === 'pass' || c.outcome === 'warn');
  if (measured.length === 0) return worst;

  const base = measured[0]!;
  const samples: Record<string, number[]> = {};
  for (const c of measured) {
    for (const [name, m] of Object.entries(c.metrics)) (samples[name] ??= []).push(m.value);
  }
  const template = (name: string): JudgedMetric => base.metrics[name] ?? measured.find((c) => c.metrics[name])!.metrics[name]!;
  const medians = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, { value: median(values), unit: template(name).unit }]));
  const judged = judgeMetrics(medians, { thresholds: {}, references: referencesFor(options.nodeClass, base), strict: options.strict === true });
  const metrics: Record<string, JudgedMetric> = {};
  for (const [name, judgedMedian] of Object.entries(judged.metrics)) {
    // Quality thresholds were judged per repetition (all passed here): keep them shown.
    metrics[name] = { ...judgedMedian, threshold: template(name).threshold, verdict: judgedMedian.reference ? judgedMedian.verdict : template(name).verdict };
  }
  const wallSeconds = median(measured.map((c) => c.timings.wallSeconds));
  const result: CaseResult = {
    ...base,
    outcome: 'pass',
    failPhase: null,
    reason: null,
    metrics,
    // The metrics are medians; the printed lines are one run's, and must say so.
    lines: base.lines.length ? [`(printed by repetition ${repetitions.indexOf(base) + 1} of ${repetitions.length}; the metrics are medians)`, ...base.lines] : [],
    timings: { startedAt: repetitions[0]!.timings.startedAt, endedAt: repetitions.at(-1)!.timings.endedAt, wallSeconds },
    details: {
      ...base.details,
      bench: { repetitions: planned, measured: measured.length, samples, nodeClass: options.nodeClass?.id ?? null },
    },
  };
  const { outcome, failPhase, reason } = judged.verdict;
  return outcome === 'pass' ? result : { ...result, outcome, failPhase, reason };
}
