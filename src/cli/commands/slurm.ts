import path from 'node:path';
import type { Command } from 'commander';
import { loadNodeReferences } from '../../references/node-references.js';
import { renderCompare } from '../../report/compare.js';
import { describeAction } from '../../slurm/describe-action.js';
import { checkSlurmNode } from '../../slurm/health-check.js';
import { renderSlurmActionMetrics } from '../../slurm/prometheus.js';
import { shellQuote } from '../../slurm/shell-quote.js';
import { sweepFleet } from '../../slurm/sweep-fleet.js';
import { renderSweepTable } from '../../slurm/sweep-table.js';
import { UsageError } from '../../util/errors.js';
import type { ProfileId } from '../../workloads/types.js';
import { checkProgressPrinter } from '../check-progress.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../context.js';
import { helpExamples } from '../help-examples.js';
import { fractionParser, parsePositiveNumber } from '../option-parsers.js';
import { checkReportTargets, deliverRun } from '../report-output.js';
import { interruptibleBy, planRequest, testWorkloadModules } from '../run-support.js';
import { addNodeOptions, probeOptions, sharedOption, type NodeExpectationFlags } from '../shared-options.js';
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

/** `slurm sweep`: the options checked, the sweep (slurm/sweep-fleet.ts) with its progress, then its tables and drains printed. */
async function slurmSweep(flags: SweepFlags, context: CliContext): Promise<number> {
  if ((flags.nodes === undefined) === (flags.partition === undefined)) throw new UsageError('give exactly one of --nodes and --partition', { fix: 'mlcheck slurm sweep --nodes node[01-04] --out /shared/mlcheck/sweep' });
  let last = '';
  const swept = await sweepFleet({
    select: flags.nodes !== undefined ? { nodes: flags.nodes } : { partition: flags.partition! },
    profile: flags.profile,
    out: path.resolve(flags.out),
    ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }),
    strict: flags.strict === true,
    timeLimitMinutes: flags.timeLimit,
    tolerance: flags.tolerance,
    drain: flags.drain === true,
    drainOutliers: flags.drainOutliers === true,
    dryRun: flags.dryRun === true,
    mlcheck: [process.execPath, path.resolve(process.argv[1] ?? 'bin/mlcheck.js')],
    interruptible: interruptibleBy(context, 'cancelling the jobs (scancel) and reporting what finished'),
    onProgress: (progress) => {
      const line = `sweep: ${progress.done}/${progress.total} done, running: ${progress.running.join(', ') || '-'}, pending: ${progress.pending.join(', ') || '-'}`;
      if (line !== last) context.err(line);
      last = line;
    },
  });
  if (swept.compared > 0) context.out(renderCompare(swept.comparison));
  context.out(renderSweepTable(swept.results, swept.outliers));
  for (const drain of swept.drains) {
    if (drain.kind === 'left') context.err(`${drain.node}: ${drain.why}`);
    else if (drain.kind === 'dry-run') context.out(`dry run: ${drain.command.map(shellQuote).join(' ')}`);
    else if (drain.kind === 'done') context.err(`${drain.node}: ${drain.description}`);
    else context.err(`${drain.node}: not drained: ${drain.error}`);
  }
  return swept.verdict === 'fail' ? EXIT.failed : swept.verdict === 'undecided' ? EXIT.undecided : EXIT.ok;
}

/** `slurm check`: the options checked, the check and its action (slurm/health-check.ts), then the report, what was done, and the exit code. */
async function slurmCheck(workloads: string[], flags: CheckFlags, context: CliContext): Promise<number> {
  const request = await planRequest({ profile: flags.profile, ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }) }, context);
  checkReportTargets({ json: flags.json });
  const checked = await checkSlurmNode({
    ...(flags.node !== undefined && { node: flags.node }),
    profile: flags.profile,
    plan: () => ({ ...request, workloads, extraWorkloadModules: testWorkloadModules() }),
    ...(flags.out !== undefined && { out: flags.out }),
    probe: probeOptions({ ...flags, ...(flags.prolog === true && { checkGpuProcesses: true, prolog: true }) }),
    references: loadNodeReferences(),
    deadlineSeconds: flags.deadline,
    prolog: flags.prolog === true,
    dryRun: flags.dryRun === true,
    commandLine: process.argv.slice(1),
    interruptible: interruptibleBy(context, 'writing the report'),
    onEvent: checkProgressPrinter(context),
  });
  const { record, node, verdict } = checked;
  if (checked.mode === 'prolog') {
    deliverRun(context, record, { json: flags.json, prom: flags.prom });
    if (verdict === 'undecided') context.err(`mlcheck slurm check: undecided on ${node}: the job runs (a prolog never fails on "unknown")`);
    return verdict === 'fail' ? EXIT.failed : EXIT.ok;
  }
  const { action, command, actionError } = checked;
  if (command !== null && checked.dryRun) context.out(`dry run: ${command.map(shellQuote).join(' ')}`);
  deliverRun(context, record, { json: flags.json, prom: flags.prom }, flags.prom === undefined ? undefined : renderSlurmActionMetrics(node, action, actionError === null));
  const done = actionError === null ? describeAction(node, action, checked.dryRun) : actionError;
  context.err(`mlcheck slurm check: ${done}${verdict === 'undecided' ? ' (undecided: the check could not decide; never a drain)' : ''}`);
  // Slurm ignores a health check's exit code; 0 says it acted, 3 that scontrol could not be used.
  return actionError === null ? EXIT.ok : EXIT.undecided;
}
