import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { verdictLine } from '../../report/console.js';
import type { RunRecord } from '../../references/results.js';
import { decideRun } from '../../references/run-outcome.js';
import { actionCommand, applyNodeAction } from '../../slurm/node-actions.js';
import { decideNodeAction, type CheckVerdict, type NodeAction } from '../../slurm/drain-policy.js';
import { formatDrainReason } from '../../slurm/drain-reason.js';
import { runSubjects } from '../../references/run-subjects.js';
import { readNodeState } from '../../slurm/node-state.js';
import { renderSlurmActionMetrics } from '../../slurm/prometheus.js';
import { compareReports, renderCompare } from '../../report/compare.js';
import { loadNodeReferences } from '../../references/node-references.js';
import { expandNodeList, partitionNodes, sweepNodes, type SweepNode } from '../../slurm/sweep.js';
import { UsageError, describeError } from '../../util/errors.js';
import { sanitizeText } from '../../util/sanitize-text.js';
import { createPrivateDirectory } from '../../util/private-directory.js';
import type { ProfileId } from '../../workloads/types.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../context.js';
import { helpExamples } from '../help-examples.js';
import { fractionParser, parsePositiveNumber } from '../option-parsers.js';
import { withInterruptSignal } from '../run-support.js';
import { addNodeOptions, sharedOption, type NodeExpectationFlags } from '../shared-options.js';
import { chosenDataDir } from '../../datasets/locations.js';
import { deliverRun } from '../report-output.js';
import { runCommand, type RunFlags } from './run.js';
import { shellQuote } from '../../slurm/shell-quote.js';

/** Inside Slurm's 60 s limit on a HealthCheckProgram, with room for start-up and scontrol. */
export const DEFAULT_CHECK_DEADLINE_SECONDS = 45;

interface CheckFlags extends NodeExpectationFlags {
  profile: ProfileId;
  node?: string;
  prolog?: boolean;
  dryRun?: boolean;
  deadline: number;
  dataDir?: string;
  out?: string;
  json?: string;
  prom?: string;
}

export function registerSlurm(program: Command, context: CliContext): void {
  const slurm = program
    .command('slurm')
    .summary('Slurm integration: health checks and prologs that drain safely, fleet sweeps')
    .description('Runs mlcheck where Slurm needs it: `slurm check` as a HealthCheckProgram or Prolog on one node, `slurm sweep` over many nodes through sbatch.');

  const check = slurm
    .command('check')
    .summary("check this node and drain it (or resume it) through scontrol")
    .description(
      [
        "Runs a profile (default smoke: the probe's node verdicts and hello on every engine, a few seconds) on this node under a deadline well inside Slurm's limits, then acts on the node named by --node or SLURMD_NODENAME.",
        "When the check failed (what `mlcheck run` exits 1 for) it drains the node with the reason \"mlcheck check/<profile>: FAIL <subjects>: <verdict>\", unless the node is already drained or down for another reason: an admin's, a sweep's, or one of its own for subjects this check did not re-check. A case that crashed, or whose GPU work hung past its watchdog, is run once more first and drains the node only if that repeats; a wrong answer or a node verdict drains at once. When the check passed it resumes the node only if a health check drained it for subjects this check has just re-checked without a failure; it never resumes a sweep's or an outlier's drain, nor an admin's, and says on stderr what it left and why. On bad usage (2) or undecided (3: the deadline passed, nothing could run, GPU health not read, a corrupt data file) it does nothing, ever; undecided is logged on stderr and in --prom.",
        'As a HealthCheckProgram it exits 0 once it has acted (Slurm does not drain on the exit code; the drain is the action), 2 on bad usage, 3 when scontrol failed. With --prolog it checks only the GPUs of the job (SLURM_JOB_GPUS, matched to PCI addresses through their device minor numbers; a job without it has no GPU and none is checked), never calls scontrol, and exits 1 only when the check failed: Slurm then drains the node and requeues the job.',
        'A HealthCheckProgram gets no PATH: point slurm.conf at the shipped bin/mlcheck-slurm-check, which finds node and scontrol itself (HealthCheckProgram=/opt/mlcheck/bin/mlcheck-slurm-check).',
      ].join('\n\n'),
    )
    .argument('[workload...]', 'workloads to run (default: those the profile lists)')
    .addOption(sharedOption.profile('smoke'))
    .option('--node <name>', 'the Slurm node to act on (default: SLURMD_NODENAME, else the short host name)')
    .option('--prolog', "Prolog mode: check only the job's GPUs (none for a job without SLURM_JOB_GPUS) and that no other process holds them (gpu-processes), never call scontrol, exit 1 on a failure")
    .option('--dry-run', 'print the scontrol command instead of running it')
    .option('--deadline <seconds>', 'stop the check after this long; every case\'s watchdog ends before it, and an unfinished check is undecided and drains nothing', parsePositiveNumber, DEFAULT_CHECK_DEADLINE_SECONDS)
    .addOption(sharedOption.dataDir())
    .option('-o, --out <dir>', 'run directory to keep (default: a private one under $TMPDIR, removed at exit)')
    .addOption(sharedOption.json())
    .option('--prom <file>', 'write a Prometheus textfile with the run and the action taken (node_exporter textfile collector)');
  addNodeOptions(check)
    .addHelpText(
      'after',
      helpExamples(
        { comment: 'what bin/mlcheck-slurm-check runs as a HealthCheckProgram', command: 'mlcheck slurm check --prom /var/lib/node_exporter/textfile/mlcheck.prom' },
        { comment: 'see what it would do, without touching the node', command: 'mlcheck slurm check --node node001 --dry-run' },
        { comment: 'in a Prolog script', command: 'mlcheck slurm check --prolog --prom /var/lib/node_exporter/textfile/mlcheck.prom' },
      ),
    )
    .action(async (workloads: string[], flags: CheckFlags) => {
      context.setExitCode(await slurmCheck(workloads, flags, context));
    });

  slurm
    .command('sweep')
    .summary('run mlcheck on many nodes through sbatch, then compare them')
    .description(
      [
        'Submits one exclusive job per node (sbatch --exclusive --nodelist=<node>), each running `mlcheck run --json DIR/<node>/report.json` with the given profile; shows progress (done, running, pending with Slurm\'s reason) while it waits; then compares the nodes\' reports (`mlcheck compare`), prints the fleet table and lists the nodes that failed, were undecided, never started or are slower than their peers.',
        'Nodes that are down or drained are skipped and listed. --time-limit ends a stuck job (its node is undecided, never drained). Ctrl-C cancels the jobs (scancel) and still reports what finished.',
        '--drain drains the failed nodes with "mlcheck sweep/<profile>: FAIL <subjects>: <their verdict>" and --drain-outliers also the slow ones ("mlcheck outlier/<profile>: SLOW ..."); an admin\'s drain reason is never overwritten, and `slurm check` never resumes these drains.',
        'DIR must be on storage every node can write (the jobs write there), belong to you (or root) and be writable by nobody else (else exit 2). An earlier sweep\'s reports, job scripts and job logs in DIR/<node>/ are removed before submitting, and a report counts only when it names the job submitted for its node (session.slurm). Exit codes: 0 every swept node passed, 1 a node failed (or, with --drain-outliers, was slow), 2 bad usage, 3 no node failed but one is undecided or never ran (Ctrl-C, a time limit, a lost job), or Slurm could not be used. Down and drained nodes are skipped and listed, and change no exit code.',
      ].join('\n\n'),
    )
    .option('--nodes <list>', 'nodes, as Slurm writes them: node[01-16],gpu7')
    .option('--partition <name>', 'every node of this partition')
    .addOption(sharedOption.profile('quick'))
    .requiredOption('-o, --out <dir>', 'shared directory for the reports: DIR/<node>/report.json')
    .addOption(sharedOption.dataDir())
    .addOption(sharedOption.strict())
    .option('--time-limit <minutes>', 'Slurm time limit per job', parsePositiveNumber, 30)
    .option('-t, --tolerance <fraction>', 'how much worse than the fleet median is an outlier (0.10 = 10 %)', fractionParser(), 0.1)
    .option('--drain', 'drain the nodes that failed')
    .option('--drain-outliers', 'also drain the nodes slower than their peers')
    .option('--dry-run', 'print the scontrol commands instead of draining')
    .addHelpText(
      'after',
      helpExamples(
        'mlcheck slurm sweep --partition gpu --profile quick --out /shared/mlcheck/sweep-$(date +%F) --data-dir /shared/mlcheck-data',
        'mlcheck slurm sweep --nodes node[001-064] --profile standard --out /shared/mlcheck/acceptance --strict --drain',
      ),
    )
    .action(async (flags: SweepFlags) => {
      context.setExitCode(await slurmSweep(flags, context));
    });
}

interface SweepFlags {
  nodes?: string;
  partition?: string;
  profile: ProfileId;
  out: string;
  dataDir?: string;
  strict?: boolean;
  timeLimit: number;
  tolerance: number;
  drain?: boolean;
  drainOutliers?: boolean;
  dryRun?: boolean;
}

async function slurmSweep(flags: SweepFlags, context: CliContext): Promise<number> {
  if ((flags.nodes === undefined) === (flags.partition === undefined)) throw new UsageError('give exactly one of --nodes and --partition', { fix: 'mlcheck slurm sweep --nodes node[01-04] --out /shared/mlcheck/sweep' });
  const out = path.resolve(flags.out);
  let nodes: string[];
  try {
    nodes = flags.nodes !== undefined ? await expandNodeList(flags.nodes) : await partitionNodes(flags.partition!);
  } catch (error) {
    throw new UsageError(`cannot list the nodes: ${describeError(error)}`, { fix: 'check the node list or partition name with sinfo' });
  }
  if (nodes.length === 0) throw new UsageError(`no node in ${flags.nodes ?? `partition ${flags.partition}`}`);
  const dataDir = chosenDataDir(flags.dataDir);
  const runArgs = ['--profile', flags.profile, ...(dataDir !== undefined ? ['--data-dir', dataDir] : []), ...(flags.strict ? ['--strict'] : [])];
  const mlcheck = [process.execPath, path.resolve(process.argv[1] ?? 'bin/mlcheck.js')];
  let last = '';
  const results = await withInterruptSignal(context, 'cancelling the jobs (scancel) and reporting what finished', (signal) =>
    sweepNodes({
      nodes,
      out,
      mlcheck,
      runArgs,
      timeLimitMinutes: Math.ceil(flags.timeLimit),
      signal,
      onProgress: (progress) => {
        const line = `sweep: ${progress.done}/${progress.total} done, running: ${progress.running.join(', ') || '-'}, pending: ${progress.pending.join(', ') || '-'}`;
        if (line !== last) context.err(line);
        last = line;
      },
    }),
  );

  // A node is the one its job was submitted to, never the host its report names (all jobs of a test cluster share one host name).
  const named = results.flatMap((r) => (r.report !== null && r.loaded !== null ? [{ file: r.report, report: { ...r.loaded, session: { ...r.loaded.session, host: r.node } } }] : []));
  const comparison = compareReports(named, { tolerance: flags.tolerance, rules: loadNodeReferences().metrics });
  if (named.length > 0) context.out(renderCompare(comparison));
  const outliers = [...new Set(comparison.flags.filter((f) => f.kind === 'worse-than-fleet').map((f) => f.node))];

  context.out(renderSweepTable(results, outliers));
  const failed = results.filter((r) => r.status === 'fail');
  const failedTargets = failed.map((r) => ({
    source: 'sweep' as const,
    node: r.node,
    subjects: r.subjects,
    reason: formatDrainReason({ source: 'sweep', profile: flags.profile, subjects: r.subjects, word: 'FAIL', detail: r.detail }),
  }));
  const outlierTargets = outliers
    .filter((n) => !failed.some((r) => r.node === n))
    .map((n) => {
      const slow = comparison.flags.flatMap((f) => (f.node === n && f.kind === 'worse-than-fleet' ? [f] : []));
      const subjects = [...new Set(slow.map((f) => f.caseKey))];
      return { source: 'outlier' as const, node: n, subjects, reason: formatDrainReason({ source: 'outlier', profile: slow[0]?.profile ?? flags.profile, subjects, word: 'SLOW', detail: slow[0]?.message ?? 'slower than its peers' }) };
    });
  for (const target of [...(flags.drain ? failedTargets : []), ...(flags.drainOutliers ? outlierTargets : [])]) {
    // One node that cannot be drained (scontrol refused, slurmctld not answering) never keeps the others from being drained.
    try {
      const state = await readNodeState(target.node);
      const action = decideNodeAction(state, { source: target.source, verdict: 'fail', drainReason: target.reason, passed: [], failed: target.subjects });
      const command = actionCommand(target.node, action);
      if (command === null) context.err(`${target.node}: ${action.why}`);
      else if (flags.dryRun) context.out(`dry run: ${command.map(shellQuote).join(' ')}`);
      else {
        await applyNodeAction(target.node, action);
        context.err(`${target.node}: ${describeAction(target.node, action)}`);
      }
    } catch (error) {
      context.err(`${target.node}: not drained: ${describeError(error)}`);
    }
  }
  if (failed.length > 0 || (flags.drainOutliers && outliers.length > 0)) return EXIT.failed;
  // An interrupted or incomplete sweep has not shown the fleet healthy.
  return results.some((r) => r.status === 'undecided' || r.status === 'not started') ? EXIT.undecided : EXIT.ok;
}

/** The details come from the nodes' reports and from Slurm: each cell is sanitised onto one line. */
const DETAIL_MAX_LENGTH = 300;

function renderSweepTable(results: readonly SweepNode[], outliers: readonly string[]): string {
  const cell = (text: string, maxLength = 100): string => sanitizeText(text, { oneLine: true, maxLength });
  const rows = results.map((r) => [
    cell(r.node),
    outliers.includes(r.node) && r.status === 'pass' ? 'pass (outlier)' : r.status,
    r.jobId === null ? '-' : cell(`${r.jobId} ${r.jobState ?? ''}`.trim()),
    cell(r.detail, DETAIL_MAX_LENGTH),
  ]);
  const header = ['NODE', 'STATUS', 'JOB', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (row: string[]): string => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const counts = (['fail', 'undecided', 'not started', 'skipped'] as const).map((status) => `${results.filter((r) => r.status === status).length} ${status}`);
  return [format(header), ...rows.map(format), `sweep: ${results.length} nodes, ${results.filter((r) => r.status === 'pass').length} passed, ${counts.join(', ')}, ${outliers.length} outliers`].join('\n');
}

async function slurmCheck(workloads: string[], flags: CheckFlags, context: CliContext): Promise<number> {
  const node = flags.node ?? process.env.SLURMD_NODENAME ?? os.hostname().split('.')[0] ?? os.hostname();
  const runFlags: RunFlags = {
    profile: flags.profile,
    seed: 1,
    probe: true,
    deadline: flags.deadline,
    // A crash or hang seen once is not worth a drain: it must repeat (docs/slurm.md).
    retryTransientFailures: true,
    // Not a fixed name under /tmp: a root health check must not write where another user can plant a link.
    out: flags.out ?? createPrivateDirectory('mlcheck-slurm-check-'),
    ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }),
    ...(flags.json !== undefined && { json: flags.json }),
    ...(flags.expectGpus !== undefined && { expectGpus: flags.expectGpus }),
    ...(flags.requirePackage !== undefined && { requirePackage: flags.requirePackage }),
    ...(flags.prolog === true && { checkGpuProcesses: true, prolog: true }),
    ...(flags.gpuTimeout !== undefined && { gpuTimeout: flags.gpuTimeout }),
  };
  const record = await runCommand(workloads, runFlags, context);
  const verdict = checkVerdict(record);
  const summary = verdictLine(record);
  const subjects = runSubjects(record);

  if (flags.prolog) {
    deliverRun(context, record, { json: flags.json, prom: flags.prom }, false);
    if (verdict === 'undecided') context.err(`mlcheck slurm check: undecided on ${node}: the job runs (a prolog never fails on "unknown")`);
    return verdict === 'fail' ? EXIT.failed : EXIT.ok;
  }

  let action: NodeAction;
  let actionError: string | null = null;
  try {
    const state = await readNodeState(node);
    const drainReason = formatDrainReason({ source: 'check', profile: flags.profile, subjects: subjects.failed, word: 'FAIL', detail: summary });
    action = decideNodeAction(state, { source: 'check', verdict, drainReason, passed: subjects.passed, failed: subjects.failed });
  } catch (error) {
    action = { kind: 'none', why: `could not read the state of ${node}: ${describeError(error)}` };
    actionError = action.why;
  }
  const command = actionCommand(node, action);
  if (command !== null && flags.dryRun) {
    context.out(`dry run: ${command.map(shellQuote).join(' ')}`);
  } else if (command !== null) {
    try {
      await applyNodeAction(node, action);
    } catch (error) {
      actionError = `${action.kind} of ${node} failed: ${describeError(error)}`;
    }
  }
  deliverRun(context, record, { json: flags.json, prom: flags.prom }, false, flags.prom === undefined ? undefined : renderSlurmActionMetrics(node, action, actionError === null));
  const done = actionError === null ? describeAction(node, action, flags.dryRun === true && command !== null) : actionError;
  context.err(`mlcheck slurm check: ${done}${verdict === 'undecided' ? ' (undecided: the check could not decide; never a drain)' : ''}`);
  // Slurm ignores a health check's exit code; 0 says it acted, 3 that scontrol could not be used.
  return actionError === null ? EXIT.ok : EXIT.undecided;
}

function checkVerdict(record: RunRecord): CheckVerdict {
  const status = decideRun(record).status;
  return status === 'fail' ? 'fail' : status === 'undecided' ? 'undecided' : 'pass';
}

/** What was done to the node ("drained node001: ..."), or with `dryRun` what would be ("would drain node001: ..."). */
function describeAction(node: string, action: NodeAction, dryRun = false): string {
  switch (action.kind) {
    case 'drain':
      return `${dryRun ? 'would drain' : 'drained'} ${node}: ${action.reason}`;
    case 'resume':
      return `${dryRun ? 'would resume' : 'resumed'} ${node} (${action.why})`;
    case 'none':
      return action.why;
  }
}
