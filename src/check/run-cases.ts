import path from 'node:path';
import { hasNvidiaGpus } from '../probe/index.js';
import { aggregateRepetitions } from '../references/bench-medians.js';
import type { RunRecord } from '../references/results.js';
import { resumeRun, runPlan, type ExecuteOptions } from '../runner/run.js';
import type { TakenProbe } from './take-probe.js';
import type { CasesToRun, CheckEvent } from './types.js';

export interface RunCasesOptions {
  cases: CasesToRun;
  /** The node as the probe found it: its snapshot goes on the record, its class's references judge the cases. */
  node: TakenProbe;
  /** Acceptance: outside a performance reference fails instead of warning. */
  strict: boolean;
  commandLine: readonly string[];
  signal?: AbortSignal;
  deadlineAt?: number;
  retryTransientFailures?: boolean;
  onEvent?: (event: CheckEvent) => void;
  /** The runner's entry points; injectable for tests. */
  runPlan?: typeof runPlan;
  resumeRun?: typeof resumeRun;
}

/** Plans and runs the cases (or resumes them, or repeats them for a bench), once, and returns the record, not yet decided. */
export async function runCases(options: RunCasesOptions): Promise<RunRecord> {
  const run = options.runPlan ?? runPlan;
  const { probe, nodeClass } = options.node;
  const gpuPresent = probe !== null && hasNvidiaGpus(probe);
  const cases = options.cases;
  if (cases.kind === 'repeat') {
    // Each repetition is judged by thresholds alone; the medians are judged against the node class once, below.
    const records: RunRecord[] = [];
    for (let repetition = 1; repetition <= cases.repetitions; repetition++) {
      options.onEvent?.({ type: 'repetition', repetition, of: cases.repetitions });
      const record = await run({
        ...cases.plan,
        seed: repetition,
        outDir: path.join(cases.plan.outDir, `repetition-${repetition}`),
        gpuPresent,
        probe,
        commandLine: options.commandLine,
        ...(options.signal && { signal: options.signal }),
        ...(options.onEvent && { onEvent: options.onEvent }),
      });
      records.push(record);
      if (record.session.interrupted) break;
    }
    const aggregated = aggregateRepetitions(records, { nodeClass, strict: options.strict });
    aggregated.session.outDir = cases.plan.outDir;
    return aggregated;
  }
  const execute: ExecuteOptions = {
    probe,
    commandLine: options.commandLine,
    ...(options.signal && { signal: options.signal }),
    ...(options.onEvent && { onEvent: options.onEvent }),
    strict: options.strict,
    nodeClass,
    ...(options.deadlineAt !== undefined && { deadlineAt: options.deadlineAt }),
    ...(options.retryTransientFailures === true && { retryTransientFailures: true }),
  };
  if (cases.kind === 'resume') return (options.resumeRun ?? resumeRun)(cases.outDir, execute);
  return run({ ...execute, ...cases.plan, gpuPresent });
}
