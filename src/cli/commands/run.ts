import path from 'node:path';
import type { Command } from 'commander';
import { checkNode, type CheckedNode } from '../../check/check-node.js';
import { matchNodeClass } from '../../references/node-class.js';
import { loadNodeReferences } from '../../references/node-references.js';
import type { PlanRequest } from '../../runner/types.js';
import { resumeContradictions } from '../../runner/resume-check.js';
import { readRunState } from '../../runner/run-dir.js';
import { defaultRunFolder } from '../../runner/default-run-folder.js';
import { UsageError } from '../../util/errors.js';
import { builtinWorkloads } from '../../workloads/index.js';
import type { CliContext } from '../context.js';
import { parsePositiveNumber } from '../option-parsers.js';
import { checkReportTargets, deliverRun } from '../report-output.js';
import { checkProgressPrinter } from '../check-progress.js';
import { interruptibleBy, planRequest, testWorkloadModules } from '../run-support.js';
import { ENGINE_OPTION_NAMES, ENGINE_OPTIONS_LABEL } from '../engine-options.js';
import { addCaseOptions, probeOptions, sharedOption, type CaseFlags } from '../shared-options.js';

export interface RunFlags extends CaseFlags {
  seed: number;
  resume?: string;
  probe: boolean;
  /** Stop the whole run after this many seconds (the cases not finished are undecided). */
  deadline?: number;
}

/** The run options that shape its plan, by flag: given with --resume, each must say what the resumed run said. */
const PLAN_FLAGS: Record<keyof PlanRequest, string> = {
  workloads: 'workload names',
  engines: '--engine/--ep',
  backends: '--backend/--ep',
  profile: '--profile',
  seed: '--seed',
  dataDir: '--data-dir',
  timeoutSeconds: '--timeout',
  threads: '--threads',
  paramOverrides: '--model',
  engineOptions: ENGINE_OPTIONS_LABEL,
};

export function registerRun(program: Command, context: CliContext): void {
  const command = program
    .command('run')
    .summary('run the reference workloads (default: probe + the quick profile)')
    .description(
      [
        "Runs the manual's reference workloads, each case (workload x engine x backend) in its own process under a watchdog, judges the numbers against references/profiles.yaml (quality) and references/nodes.yaml (this node class's speed), and writes every finished case at once into the run directory (--out).",
        `Workloads: ${builtinWorkloads.map((w) => w.id).join(', ')} (default: those the profile lists). inception needs an ImageNet ONNX model: --model FILE, or Inception-v3 staged as its skip message says.`,
        "Profiles: smoke (seconds: the node verdicts and hello on every engine, for a Slurm prolog or HealthCheckProgram), quick (about a minute: all five workloads, short schedules), standard (minutes), reference (the manual's full schedules and numbers). Without workload names a profile runs the workloads it lists.",
        'Backends: on a node where the probe sees an NVIDIA GPU, each engine runs on its GPU backend (tfjs tensorflow-gpu, onnx cuda) and a backend that cannot run is skipped with its reason; elsewhere the best available backend runs. --backend chooses explicitly.',
        'Data is never downloaded during a run: stage it with `mlcheck datasets fetch <id>` or point --data-dir at a folder with mnist/, iris/, images/, imagenet/.',
        "The node's own verdicts count too: the run fails when NVIDIA GPUs are on the PCI bus but the driver cannot use them (gpu-driver), when fewer GPUs answer than the PCI bus, the job, --expect-gpus or the node class says (gpu-count), when a GPU health check fails (gpu-ecc, gpu-memory, gpu-pcie, gpu-clocks, gpu-inforom, gpu-xid, gpu-driver-compat: see mlcheck probe --help), or when an ML package installed here (found with rpm/dpkg) or named by --require-package breaks the manual's rules for this hardware. A rule family alone (gcc8 on a CPU without VNNI) never fails a node that has no such package.",
        '--strict is for acceptance: every planned case that is skipped (an engine or GPU backend not installed, data not staged) and every performance warning fails the run.',
        'Exit codes: 0 all passed (skips and warnings allowed unless --strict), 1 the node failed (a case, or a node verdict above), 2 bad usage, 3 nothing could be decided (never drain a node on 3). The last line printed is a one-line verdict fit for a Slurm drain reason.',
      ].join('\n\n'),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  mlcheck run                                        probe + every workload, quick profile',
        '  mlcheck run hello iris --data-dir /shared/mlcheck-data --profile reference',
        '  mlcheck run lenet vae --profile standard --backend wasm --json r.json --junit r.xml',
        '  mlcheck run inception --model mobilenet_v2_1.0_224.onnx --data-dir /shared/mlcheck-data',
        '  mlcheck run --profile quick --out /var/lib/mlcheck/last --prom /var/lib/node_exporter/mlcheck.prom',
        '  mlcheck run --resume mlcheck-runs/2026-11-25T09-00-00-000Z   finish an interrupted run',
        '  mlcheck run hello iris lenet --modules "shared pytorch-py37-cuda10.2-gcc" --data-dir /shared/mlcheck-data',
        '  mlcheck run lenet --engine python --python /usr/bin/python3 --backend pytorch-cpu',
        '  mlcheck run hello iris --jupyter https://hub.example.org/user/alice/ --kernel python3   in a kernel (token: JUPYTER_TOKEN)',
      ].join('\n'),
    )
    .argument('[workload...]', 'workloads to run');
  addCaseOptions(command, './mlcheck-runs/<time>')
    .addOption(sharedOption.seed().default(1))
    .option('--deadline <seconds>', 'stop the whole run after this long; unfinished cases are undecided (exit 3, never a drain)', parsePositiveNumber)
    .option('--resume <dir>', 'finish an interrupted run in <dir> (cases already finished are kept; plan options given again must match it)')
    .option('--no-probe', 'do not take a hardware probe snapshot first (and so match no node class, nor scope the cases to a job\'s GPUs)')
    .action(async (workloads: string[], flags: RunFlags, self: Command) => {
      if (flags.resume !== undefined && workloads.length === 0) await refuseResumeContradictions(flags.resume, flags, self, context);
      const { record } = await checkRun(workloads, flags, context);
      deliverRun(context, record, { json: flags.json, junit: flags.junit, prom: flags.prom });
    });
}

/** `mlcheck run`: the options checked, then the check of this node (check/check-node.ts) with its progress printed. */
async function checkRun(workloads: string[], flags: RunFlags, context: CliContext): Promise<CheckedNode> {
  const request = await planRequest(flags, context);
  checkReportTargets(flags);
  if (flags.resume && workloads.length > 0) throw new UsageError('--resume takes the plan of the interrupted run; give no workloads with it');
  // Refused before anything runs: a planted ./mlcheck-runs link is exit 2, not a probe later.
  const outDir = flags.resume ? null : (flags.out ?? defaultRunFolder(new Date().toISOString().replace(/[:.]/g, '-')));
  const references = loadNodeReferences(flags.references);
  return checkNode({
    probe: flags.probe ? { probe: probeOptions(flags), chooseNodeClass: (facts) => matchNodeClass(references, facts), references } : null,
    cases: () =>
      outDir === null
        ? { kind: 'resume', outDir: flags.resume! }
        : { kind: 'plan', plan: { ...request, workloads, seed: flags.seed, outDir, extraWorkloadModules: testWorkloadModules() } },
    strict: flags.strict === true,
    ...(flags.deadline !== undefined && { deadlineSeconds: flags.deadline }),
    commandLine: process.argv.slice(1),
    interruptible: interruptibleBy(context, 'writing the report'),
    onEvent: checkProgressPrinter(context),
  });
}

/** Exit 2 naming every plan option given with --resume that the resumed run did not use. */
async function refuseResumeContradictions(dir: string, flags: RunFlags, command: Command, context: CliContext): Promise<void> {
  const fromCommandLine = (...names: string[]): boolean => names.some((name) => command.getOptionValueSource(name) === 'cli');
  const request = await planRequest(flags, context);
  const given: Partial<PlanRequest> = {
    ...(fromCommandLine('engine', 'ep') && { engines: request.engines }),
    ...(fromCommandLine('backend', 'ep') && { backends: request.backends }),
    ...(fromCommandLine('profile') && { profile: request.profile }),
    ...(fromCommandLine('seed') && { seed: flags.seed }),
    ...(fromCommandLine('dataDir') && { dataDir: request.dataDir }),
    ...(fromCommandLine('timeout') && { timeoutSeconds: request.timeoutSeconds }),
    ...(fromCommandLine('threads') && { threads: request.threads }),
    ...(fromCommandLine('model') && { paramOverrides: request.paramOverrides }),
    ...(fromCommandLine(...ENGINE_OPTION_NAMES) && { engineOptions: request.engineOptions }),
  };
  const state = readRunState(path.resolve(dir));
  const contradictions = resumeContradictions(state, given).map((c) => ({ flag: PLAN_FLAGS[c.option], given: c.given, resumed: c.resumed ?? '(not recorded by the mlcheck that started the run)' }));
  if (fromCommandLine('out') && path.resolve(flags.out!) !== state.session.outDir) contradictions.push({ flag: '--out', given: path.resolve(flags.out!), resumed: state.session.outDir });
  if (contradictions.length === 0) return;
  throw new UsageError(`--resume ${dir} keeps the plan of the interrupted run; these options contradict it: ${contradictions.map((c) => c.flag).join(', ')}`, {
    file: path.join(state.session.outDir, 'run.json'),
    expected: contradictions.map((c) => `${c.flag} ${c.resumed}`).join('; '),
    found: contradictions.map((c) => `${c.flag} ${c.given}`).join('; '),
    fix: 'drop these options to finish the run as it was planned, or start a new run without --resume',
  });
}
