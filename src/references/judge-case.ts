import type { Measurement, WorkloadOutput } from '../workloads/types.js';
import type { CaseJudgement } from './case-judgement.js';
import { pickReferences, type ReferenceCaseIdentity } from './case-key.js';
import { judgeExpectedLabels } from './expected-labels.js';
import { judgeMetrics, type CaseVerdict } from './judge.js';
import type { JudgedMetric } from './results.js';

export interface JudgeCaseOptions {
  /** The case as it ran: the backend it ran on and the model it loaded choose its performance reference. */
  ran: Omit<ReferenceCaseIdentity, 'hyperparameters'>;
  /** Acceptance (--strict): outside a performance reference fails instead of warning. */
  strict: boolean;
}

/** A case's raw output judged: its verdict, its judged metrics and the lines and details the report shows. */
export interface JudgedCase {
  verdict: CaseVerdict;
  metrics: Record<string, JudgedMetric>;
  lines: string[];
  details: Record<string, unknown>;
}

/**
 * Judges what a workload returned against the judgement planned for its case, in one place:
 * the image labels (when the case has expected labels), then every metric against its threshold
 * and performance reference. A metric the implementation says it cannot measure (an installed
 * example script's output) is not judged, and the details say why.
 */
export function judgeCase(output: WorkloadOutput, judgement: CaseJudgement, options: JudgeCaseOptions): JudgedCase {
  const expected = judgement.expectedLabels;
  const labels = expected !== undefined && output.classifications !== undefined ? judgeExpectedLabels(output.classifications, expected.labels, output.lines ?? []) : null;
  const measured = labels === null ? output.metrics : besideTopScore(output.metrics, labels.metrics);
  const unmeasured = output.unmeasured ?? {};
  const thresholds = Object.fromEntries(Object.entries(judgement.thresholds.values).filter(([name]) => !(name in unmeasured)));
  const references = judgement.references === null ? {} : pickReferences(judgement.references.byCaseKey, judgement.references.nodeClass, { ...options.ran, hyperparameters: output.hyperparameters });
  const judged = judgeMetrics(measured, { thresholds, references, strict: options.strict });
  return {
    verdict: judged.verdict,
    metrics: judged.metrics,
    lines: labels?.lines ?? output.lines ?? [],
    details: { ...(output.details ?? {}), ...(labels?.details ?? {}), ...(Object.keys(unmeasured).length > 0 && { unmeasured }) },
  };
}

/** The label metrics right after the top-1 score, else first: where the report shows them. */
function besideTopScore(metrics: Record<string, Measurement>, labelMetrics: Record<string, Measurement>): Record<string, Measurement> {
  const entries = Object.entries(metrics).filter(([name]) => !(name in labelMetrics));
  const at = entries.findIndex(([name]) => name === 'top1_score') + 1;
  return Object.fromEntries([...entries.slice(0, at), ...Object.entries(labelMetrics), ...entries.slice(at)]);
}
