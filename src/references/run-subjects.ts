import { nodeVerdicts, type DecidedRun } from './run-outcome.js';

/** What a run checked, by subject: probe verdicts (gpu-ecc, gpu-driver, a package) and case ids (lenet/onnx/cuda). */
export interface RunSubjects {
  /** What made the run fail: every failing node verdict and case (under --strict, the skipped or slow cases that failed it); empty unless it failed. */
  failed: string[];
  /** Re-checked without a failure: the node verdicts that did not fail, the cases that passed or warned. */
  passed: string[];
}

/**
 * The subjects a drain reason names, and those a health check may count as re-checked when it
 * decides whether to undo a drain. Every run that probes judges every node verdict again, so a
 * verdict that did not fail was re-checked (a skipped gpu-driver on a node without NVIDIA GPUs
 * is an answer; a GPU node whose health could not be read is undecided and resumes nothing). A
 * skipped case did not run, so it was not re-checked: a smoke check never vouches for LeNet.
 */
export function runSubjects(record: DecidedRun): RunSubjects {
  const outcome = record.decision;
  const verdicts = nodeVerdicts(record);
  const passed = [
    ...verdicts.filter((verdict) => verdict.status !== 'fail').map((verdict) => verdict.subject),
    ...record.cases.filter((c) => c.outcome === 'pass' || c.outcome === 'warn').map((c) => c.id),
  ];
  if (outcome.status !== 'fail') return { failed: [], passed };
  const failing = [...verdicts.filter((verdict) => verdict.status === 'fail').map((verdict) => verdict.subject), ...record.cases.filter((c) => c.outcome === 'fail').map((c) => c.id)];
  const failed = failing.length > 0 ? failing : outcome.cause.kind === 'cases' ? outcome.cause.cases.map((c) => c.id) : [];
  return { failed, passed: passed.filter((subject) => !failed.includes(subject)) };
}
