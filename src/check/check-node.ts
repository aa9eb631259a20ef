import { withDecision, type DecidedRun } from '../references/run-outcome.js';
import { scopeCasesToJobGpus } from './job-gpu-scope.js';
import { runCases } from './run-cases.js';
import { takeProbe, type TakeProbeOptions, type TakenProbe } from './take-probe.js';
import type { CasesToRun, CheckEvent, Interruptible } from './types.js';

export interface CheckNodeOptions {
  /** How to probe and choose the node class; null: no probe (`run --no-probe`), hence no node class and no job GPU scope. */
  probe: Omit<TakeProbeOptions, 'onProbeFailed'> | null;
  /** What to run once the node is known (a bench picks its workloads by node class). */
  cases: (node: TakenProbe) => CasesToRun;
  /** --strict (acceptance): a performance warning fails its case, and the run is decided under the rule; stored with the decision. */
  strict?: boolean;
  /** Stop the whole check after this long, the probe included: each case's watchdog ends before it, and what did not finish is undecided. */
  deadlineSeconds?: number;
  /** Run a case once more after a crash or a hang that counted as fail; only a repeat fails it (`slurm check`). */
  retryTransientFailures?: boolean;
  /** Recorded in the run's session. */
  commandLine: readonly string[];
  /** The window in which SIGINT, SIGTERM or the deadline stop the running case: the probe and the cases. Default: nothing stops it. */
  interruptible?: Interruptible;
  onEvent?: (event: CheckEvent) => void;
  /** The steps, injectable for tests. */
  steps?: { takeProbe?: typeof takeProbe; runCases?: typeof runCases };
}

/** The checked node: its probe and node class, and the run record with its decision stored. */
export interface CheckedNode extends TakenProbe {
  record: DecidedRun;
}

const uninterrupted: Interruptible = (work) => work(new AbortController().signal);

/**
 * Checks this node, each step once (`run`, `bench` and `slurm check`): collects the probe's facts,
 * matches the node class and judges the probe (take-probe.ts), shows the cases only the job's
 * GPUs (job-gpu-scope.ts), plans and runs the cases (run-cases.ts), then decides the run and
 * stores the decision on its record. Every reader (console, JSON, JUnit, Prometheus, the exit
 * code, Slurm's drain) reads that decision; none decides again.
 */
export async function checkNode(options: CheckNodeOptions): Promise<CheckedNode> {
  const steps = { takeProbe, runCases, ...options.steps };
  const strict = options.strict === true;
  // The deadline covers the probe too: a driver slow to answer counts against it.
  const deadlineAt = options.deadlineSeconds === undefined ? undefined : Date.now() + options.deadlineSeconds * 1000;
  const interruptible = options.interruptible ?? uninterrupted;
  const { node, record } = await interruptible(
    async (signal) => {
      const node: TakenProbe =
        options.probe === null ? { probe: null, nodeClass: null } : await steps.takeProbe({ ...options.probe, onProbeFailed: (reason) => options.onEvent?.({ type: 'probe-failed', reason }) });
      const note = scopeCasesToJobGpus(node.probe);
      if (note !== null) options.onEvent?.({ type: 'gpus-scoped', note });
      const record = await steps.runCases({
        cases: options.cases(node),
        node,
        strict,
        commandLine: options.commandLine,
        signal,
        ...(deadlineAt !== undefined && { deadlineAt }),
        ...(options.retryTransientFailures === true && { retryTransientFailures: true }),
        ...(options.onEvent && { onEvent: options.onEvent }),
      });
      return { node, record };
    },
    options.deadlineSeconds === undefined ? {} : { deadlineSeconds: options.deadlineSeconds },
  );
  return { ...node, record: withDecision(record, { strict }) };
}
