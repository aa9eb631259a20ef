import os from 'node:os';
import { checkNode, type CheckNodeOptions } from '../check/check-node.js';
import type { CasePlan } from '../check/types.js';
import type { ProbeNodeOptions } from '../probe/index.js';
import { matchNodeClass } from '../references/node-class.js';
import type { NodeReferenceFile } from '../references/node-references.js';
import type { DecidedRun } from '../references/run-outcome.js';
import { runSubjects } from '../references/run-subjects.js';
import { verdictLine } from '../report/console.js';
import { describeError } from '../util/errors.js';
import { createPrivateDirectory } from '../util/private-directory.js';
import type { ProfileId } from '../workloads/types.js';
import { decideNodeAction, type CheckVerdict, type NodeAction } from './drain-policy.js';
import { formatDrainReason } from './drain-reason.js';
import { actionCommand, applyNodeAction } from './node-actions.js';
import { readNodeState } from './node-state.js';

export interface SlurmCheckOptions extends Pick<CheckNodeOptions, 'interruptible' | 'onEvent' | 'commandLine' | 'steps'> {
  /** The Slurm node to act on; default SLURMD_NODENAME, else the short host name. */
  node?: string;
  profile: ProfileId;
  /** What to run, less where and with which seed: the plan request and the workloads named (none: the profile's). Asked for once the node is probed. */
  plan: () => Omit<CasePlan, 'outDir' | 'seed'>;
  /** The run directory to keep; default a private one under $TMPDIR, removed at exit. */
  out?: string;
  /** The probe's options (a prolog's: only the job's GPUs, and no other process on them). */
  probe: ProbeNodeOptions;
  references: NodeReferenceFile;
  /** Stop the check after this long; an unfinished check is undecided and drains nothing. */
  deadlineSeconds: number;
  /** A Prolog: no scontrol, ever; the caller fails the job's start when the check failed. */
  prolog?: boolean;
  /** Say the scontrol command instead of running it. */
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Slurm's side, injectable for tests. */
  readState?: typeof readNodeState;
  applyAction?: typeof applyNodeAction;
}

export type SlurmCheckResult =
  /** A prolog: checked, nothing done to the node. */
  | { mode: 'prolog'; node: string; verdict: CheckVerdict; record: DecidedRun }
  | {
      mode: 'health-check';
      node: string;
      verdict: CheckVerdict;
      record: DecidedRun;
      action: NodeAction;
      /** The scontrol command the action runs; null when there is none to run. */
      command: string[] | null;
      /** True when the command was only said (--dry-run), not run. */
      dryRun: boolean;
      /** Why the node's state could not be read or the action failed; null when it was done (or none was needed). */
      actionError: string | null;
    };

/**
 * `mlcheck slurm check`: checks this node (check/check-node.ts: a crash or hang must repeat to
 * count), reads its Slurm state, decides what to do (drain-policy.ts) and does it through
 * scontrol, unless a prolog or a dry run. Undecided never drains; an admin's drain is never
 * overwritten.
 */
export async function checkSlurmNode(options: SlurmCheckOptions): Promise<SlurmCheckResult> {
  const env = options.env ?? process.env;
  const node = options.node ?? env.SLURMD_NODENAME ?? os.hostname().split('.')[0] ?? os.hostname();
  // Not a fixed name under /tmp: a root health check must not write where another user can plant a link.
  const outDir = options.out ?? createPrivateDirectory('mlcheck-slurm-check-');
  const { record } = await checkNode({
    probe: { probe: options.probe, chooseNodeClass: (facts) => matchNodeClass(options.references, facts), references: options.references },
    cases: () => ({ kind: 'plan', plan: { ...options.plan(), seed: 1, outDir } }),
    strict: false,
    deadlineSeconds: options.deadlineSeconds,
    // A crash or hang seen once is not worth a drain: it must repeat (docs/slurm.md).
    retryTransientFailures: true,
    commandLine: options.commandLine,
    ...(options.interruptible && { interruptible: options.interruptible }),
    ...(options.onEvent && { onEvent: options.onEvent }),
    ...(options.steps && { steps: options.steps }),
  });
  const verdict = checkVerdict(record);
  if (options.prolog === true) return { mode: 'prolog', node, verdict, record };

  const subjects = runSubjects(record);
  let action: NodeAction;
  let actionError: string | null = null;
  try {
    const state = await (options.readState ?? readNodeState)(node);
    const drainReason = formatDrainReason({ source: 'check', profile: options.profile, subjects: subjects.failed, word: 'FAIL', detail: verdictLine(record) });
    action = decideNodeAction(state, { source: 'check', verdict, drainReason, passed: subjects.passed, failed: subjects.failed });
  } catch (error) {
    action = { kind: 'none', why: `could not read the state of ${node}: ${describeError(error)}` };
    actionError = action.why;
  }
  const command = actionCommand(node, action);
  const dryRun = options.dryRun === true && command !== null;
  if (command !== null && !dryRun) {
    try {
      await (options.applyAction ?? applyNodeAction)(node, action);
    } catch (error) {
      actionError = `${action.kind} of ${node} failed: ${describeError(error)}`;
    }
  }
  return { mode: 'health-check', node, verdict, record, action, command, dryRun, actionError };
}

/** The stored decision as the drain policy reads it. */
function checkVerdict(record: DecidedRun): CheckVerdict {
  const status = record.decision.status;
  return status === 'fail' ? 'fail' : status === 'undecided' ? 'undecided' : 'pass';
}
