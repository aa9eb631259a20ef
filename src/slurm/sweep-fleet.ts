import type { Interruptible } from '../check/types.js';
import { chosenDataDir } from '../datasets/locations.js';
import { loadNodeReferences } from '../references/node-references.js';
import { compareReports, type CompareResult } from '../report/compare.js';
import { UsageError, describeError } from '../util/errors.js';
import type { ProfileId } from '../workloads/types.js';
import { describeAction } from './describe-action.js';
import { decideNodeAction } from './drain-policy.js';
import { formatDrainReason, type DrainSource } from './drain-reason.js';
import { actionCommand, applyNodeAction } from './node-actions.js';
import { readNodeState } from './node-state.js';
import { expandNodeList, partitionNodes, sweepNodes, type SweepNode, type SweepProgress } from './sweep.js';

export interface SweepFleetOptions {
  /** Which nodes: a Slurm host list ("node[01-16],gpu7") or every node of a partition. */
  select: { nodes: string } | { partition: string };
  profile: ProfileId;
  /** Shared storage for the nodes' reports: DIR/<node>/report.json. */
  out: string;
  dataDir?: string;
  strict?: boolean;
  timeLimitMinutes: number;
  /** How much worse than the fleet median is an outlier (0.10 = 10 %). */
  tolerance: number;
  /** Drain the nodes that failed; `drainOutliers` also the slow ones. */
  drain?: boolean;
  drainOutliers?: boolean;
  /** Say the scontrol commands instead of running them. */
  dryRun?: boolean;
  /** The mlcheck command each job runs, e.g. [process.execPath, '/opt/mlcheck/bin/mlcheck.js']. */
  mlcheck: readonly string[];
  /** The window in which SIGINT or SIGTERM cancel the jobs (scancel); what finished is still reported. */
  interruptible?: Interruptible;
  onProgress?: (progress: SweepProgress) => void;
}

/** What was done (or, in a dry run, would be done) to one node a sweep drains. */
export type SweepDrain =
  | { node: string; kind: 'left'; why: string }
  | { node: string; kind: 'dry-run'; command: string[] }
  | { node: string; kind: 'done'; description: string }
  | { node: string; kind: 'failed'; error: string };

export interface SweptFleet {
  results: SweepNode[];
  /** The nodes' reports compared, when any came back (`compared` of them). */
  comparison: CompareResult;
  compared: number;
  /** Passing nodes slower than their peers. */
  outliers: string[];
  drains: SweepDrain[];
  /** fail: a node failed (or, with drainOutliers, was slow); undecided: none failed, but one is undecided or never ran. */
  verdict: 'pass' | 'fail' | 'undecided';
}

/**
 * `mlcheck slurm sweep`: one job per node (sweep.ts: submit, wait, collect), the nodes' reports
 * compared (report/compare.ts), then with --drain the failed nodes and with --drain-outliers the
 * slow ones drained through the drain policy: an admin's reason is never overwritten, and one
 * node that cannot be drained never keeps the others from being drained.
 */
export async function sweepFleet(options: SweepFleetOptions): Promise<SweptFleet> {
  const { select } = options;
  let nodes: string[];
  try {
    nodes = 'nodes' in select ? await expandNodeList(select.nodes) : await partitionNodes(select.partition);
  } catch (error) {
    throw new UsageError(`cannot list the nodes: ${describeError(error)}`, { fix: 'check the node list or partition name with sinfo' });
  }
  if (nodes.length === 0) throw new UsageError(`no node in ${'nodes' in select ? select.nodes : `partition ${select.partition}`}`);
  const dataDir = chosenDataDir(options.dataDir);
  const runArgs = ['--profile', options.profile, ...(dataDir !== undefined ? ['--data-dir', dataDir] : []), ...(options.strict ? ['--strict'] : [])];
  const interruptible: Interruptible = options.interruptible ?? ((work) => work(new AbortController().signal));
  const results = await interruptible(
    (signal) =>
      sweepNodes({
        nodes,
        out: options.out,
        mlcheck: options.mlcheck,
        runArgs,
        timeLimitMinutes: Math.ceil(options.timeLimitMinutes),
        signal,
        ...(options.onProgress && { onProgress: options.onProgress }),
      }),
    {},
  );

  // A node is the one its job was submitted to, never the host its report names (all jobs of a test cluster share one host name).
  const named = results.flatMap((r) => (r.report !== null && r.loaded !== null ? [{ file: r.report, report: { ...r.loaded, session: { ...r.loaded.session, host: r.node } } }] : []));
  const comparison = compareReports(named, { tolerance: options.tolerance, rules: loadNodeReferences().metrics });
  const outliers = [...new Set(comparison.flags.filter((f) => f.kind === 'worse-than-fleet').map((f) => f.node))];
  const failed = results.filter((r) => r.status === 'fail');
  const failedTargets = failed.map((r) => ({
    source: 'sweep' as const,
    node: r.node,
    subjects: r.subjects,
    reason: formatDrainReason({ source: 'sweep', profile: options.profile, subjects: r.subjects, word: 'FAIL', detail: r.detail }),
  }));
  const outlierTargets = outliers
    .filter((n) => !failed.some((r) => r.node === n))
    .map((n) => {
      const slow = comparison.flags.flatMap((f) => (f.node === n && f.kind === 'worse-than-fleet' ? [f] : []));
      const subjects = [...new Set(slow.map((f) => f.caseKey))];
      return { source: 'outlier' as const, node: n, subjects, reason: formatDrainReason({ source: 'outlier', profile: slow[0]?.profile ?? options.profile, subjects, word: 'SLOW', detail: slow[0]?.message ?? 'slower than its peers' }) };
    });
  const drains: SweepDrain[] = [];
  for (const target of [...(options.drain ? failedTargets : []), ...(options.drainOutliers ? outlierTargets : [])]) drains.push(await drainTarget(target, options.dryRun === true));
  const verdict = failed.length > 0 || (options.drainOutliers && outliers.length > 0) ? 'fail' : results.some((r) => r.status === 'undecided' || r.status === 'not started') ? 'undecided' : 'pass';
  return { results, comparison, compared: named.length, outliers, drains, verdict };
}

interface DrainTarget {
  source: DrainSource;
  node: string;
  subjects: string[];
  reason: string;
}

async function drainTarget(target: DrainTarget, dryRun: boolean): Promise<SweepDrain> {
  // One node that cannot be drained (scontrol refused, slurmctld not answering) never keeps the others from being drained.
  try {
    const state = await readNodeState(target.node);
    const action = decideNodeAction(state, { source: target.source, verdict: 'fail', drainReason: target.reason, passed: [], failed: target.subjects });
    const command = actionCommand(target.node, action);
    if (command === null) return { node: target.node, kind: 'left', why: action.why };
    if (dryRun) return { node: target.node, kind: 'dry-run', command };
    await applyNodeAction(target.node, action);
    return { node: target.node, kind: 'done', description: describeAction(target.node, action) };
  } catch (error) {
    return { node: target.node, kind: 'failed', error: describeError(error) };
  }
}
