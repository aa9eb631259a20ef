import path from 'node:path';
import { Option, type Command } from 'commander';
import { ENGINE_IDS } from '../../engines/types.js';
import { hasNvidiaGpus } from '../../probe/index.js';
import { matchNodeClass } from '../../references/node-class.js';
import { resumeRun, runPlan, type ExecuteOptions, type RunEvent } from '../../runner/run.js';
import type { RunRecord } from '../../references/results.js';
import { UsageError } from '../../util/errors.js';
import { PROFILE_IDS, type ProfileId } from '../../workloads/types.js';
import { builtinWorkloads } from '../../workloads/index.js';
import type { CliContext } from '../context.js';
import { checkReportTargets, deliverRun } from '../report-output.js';
import { parseInteger, parseNonNegativeInteger, parsePackageNames, parsePositiveInteger, parsePositiveNumber, collect } from '../option-parsers.js';
import { addPythonOptions, selectPython, type PythonFlags } from '../python-options.js';
import { applyNodeClassExpectation, loadReferenceFile, parseEngines, probeOptions, takeProbe, withInterruptSignal, workloadOverrides, type NodeExpectationFlags } from '../run-support.js';

export interface RunFlags extends NodeExpectationFlags, PythonFlags {
  engine?: string[];
  backend?: string[];
  ep?: string;
  profile: ProfileId;
  dataDir?: string;
  out?: string;
  json?: string;
  junit?: string;
  prom?: string;
  seed: number;
  timeout?: number;
  model?: string;
  strict?: boolean;
  resume?: string;
  probe: boolean;
  references?: string;
  threads?: number;
  /** Stop the whole run after this many seconds (the cases not finished are undecided). */
  deadline?: number;
}

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
        "The python engine runs the node's own PyTorch or TensorFlow (DESIGN §3): --modules loads the framework's environment modules as a job script would, --python names an interpreter (default: python3 on PATH after the modules). It runs each framework the modules name, else each the interpreter has; on a GPU node only on the GPU, and a framework that cannot use it (a CPU-only build, a CUDA newer than the driver, cuDNN missing) fails. --kit installed runs the manual's example scripts installed with the module instead of mlcheck's kits.",
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
      ].join('\n'),
    )
    .argument('[workload...]', 'workloads to run')
    .option('-e, --engine <engine>', `engine to use: ${ENGINE_IDS.join(', ')} (repeatable; default: tfjs and onnx, or python alone with a python option)`, collect)
    .option('-b, --backend <backend>', 'backend: tfjs tensorflow-gpu|tensorflow|wasm|cpu, onnx tensorrt|cuda|cpu, python pytorch-cuda|pytorch-cpu|tensorflow-cuda|tensorflow-cpu (repeatable; default: best available)', collect)
    .option('--ep <provider>', 'onnx execution provider: tensorrt, cuda or cpu (= --engine onnx --backend <provider>)')
    .addOption(new Option('-p, --profile <profile>', 'how long and how strict').choices(PROFILE_IDS).default('quick'))
    .option('-d, --data-dir <dir>', 'folder with one sub-folder per dataset (mnist/, iris/, images/, imagenet/); also MLCHECK_DATA_DIR')
    .option('-o, --out <dir>', 'run directory for case files, artifacts and the report (default: ./mlcheck-runs/<time>)')
    .option('--json <file>', 'also write the JSON report here')
    .option('--junit <file>', 'also write a JUnit XML report here')
    .option('--prom <file>', 'also write a Prometheus textfile (node_exporter textfile collector)')
    .option('--seed <n>', 'random seed for every workload', parseInteger, 1)
    .option('--threads <n>', 'threads per case (default: every CPU this process may use)', parsePositiveInteger)
    .option('--timeout <seconds>', "watchdog per case (default: the profile's per workload)", parsePositiveNumber)
    .option('--model <file>', 'ImageNet ONNX model for inception; its sidecar is <file>.json/.yaml or a registry match by sha256 (default: Inception-v3)')
    .option('--strict', 'acceptance: a skipped case or a performance warning fails the run')
    .option('--expect-gpus <n>', 'fail unless the driver shows at least n NVIDIA GPUs (default: as many as the PCI bus has, or the node class in references/nodes.yaml says; inside a job, the job\'s GPUs)', parseNonNegativeInteger)
    .option('--require-package <name>', 'fail unless this ML package passes the manual\'s rules here, installed or not, e.g. cm-tensorflow-py37-mkl-gcc8 (repeatable)', parsePackageNames)
    .option('--deadline <seconds>', 'stop the whole run after this long; unfinished cases are undecided (exit 3, never a drain)', parsePositiveNumber)
    .option('--resume <dir>', 'finish an interrupted run in <dir> (cases already finished are kept)')
    .option('--references <file>', 'performance references per node class (default: the shipped references/nodes.yaml)')
    .option('--no-probe', 'do not take a hardware probe snapshot first (and so match no node class)');
  addPythonOptions(command).action(async (workloads: string[], flags: RunFlags) => {
      const record = await runCommand(workloads, flags, context);
      deliverRun(context, record, { json: flags.json, junit: flags.junit, prom: flags.prom }, flags.strict === true);
    });
}

export async function runCommand(workloads: string[], flags: RunFlags, context: CliContext): Promise<RunRecord> {
  let backends = flags.backend ?? [];
  let engineNames = flags.engine ?? [];
  if (flags.ep !== undefined) {
    if (engineNames.some((e) => e !== 'onnx')) throw new UsageError('--ep selects an onnx execution provider; it cannot be combined with another --engine');
    engineNames = ['onnx'];
    backends = [...backends, flags.ep];
  }
  const selection = await selectPython(flags, parseEngines(engineNames), backends, context);
  const engines = selection.engines;
  checkReportTargets(flags);
  if (flags.resume && workloads.length > 0) throw new UsageError('--resume takes the plan of the interrupted run; give no workloads with it');
  const references = loadReferenceFile(flags.references);
  // The deadline covers the probe too: a driver slow to answer counts against it.
  return withInterruptSignal(context, 'writing the report', async (signal) => {
    const measured = flags.probe ? await takeProbe(context, probeOptions(flags)) : null;
    const nodeClass = matchNodeClass(references, measured);
    const probe = applyNodeClassExpectation(measured, nodeClass, references);
    const execute: ExecuteOptions = {
      probe,
      commandLine: process.argv.slice(1),
      signal,
      onEvent: progressPrinter(context),
      strict: flags.strict === true,
      nodeClass,
    };
    if (flags.resume) return resumeRun(flags.resume, execute);
    return runPlan({
      ...execute,
      workloads,
      engines,
      backends,
      profile: flags.profile,
      seed: flags.seed,
      outDir: flags.out ?? path.join('mlcheck-runs', new Date().toISOString().replace(/[:.]/g, '-')),
      ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }),
      ...(flags.timeout !== undefined && { timeoutSeconds: flags.timeout }),
      ...(flags.threads !== undefined && { threads: flags.threads }),
      paramOverrides: workloadOverrides(flags),
      gpuPresent: probe !== null && hasNvidiaGpus(probe),
      ...(selection.python !== undefined && { python: selection.python }),
      ...(selection.pythonFrameworks !== undefined && { pythonFrameworks: selection.pythonFrameworks }),
    });
  }, flags.deadline === undefined ? {} : { deadlineSeconds: flags.deadline });
}

function progressPrinter(context: CliContext): (event: RunEvent) => void {
  let lastPrint = 0;
  return (event) => {
    switch (event.type) {
      case 'case-start':
        context.err(`[${event.index + 1}/${event.total}] ${event.spec.id} (${event.spec.profile}, timeout ${event.spec.timeoutSeconds} s)`);
        break;
      case 'case-progress': {
        const now = Date.now();
        if (now - lastPrint < 1000) return;
        lastPrint = now;
        const e = event.event;
        const parts = [
          e.epoch !== undefined ? `epoch ${e.epoch}` : '',
          e.step !== undefined ? `step ${e.step}${e.totalSteps ? `/${e.totalSteps}` : ''}` : '',
          e.loss !== undefined ? `loss ${e.loss.toFixed(4)}` : '',
        ].filter(Boolean);
        context.err(`    ${e.phase}: ${parts.length ? parts.join(', ') : e.message}`);
        break;
      }
      case 'case-end':
        context.err(`    -> ${event.result.outcome}${event.result.reason ? `: ${event.result.reason.split('\n')[0]}` : ''}`);
        break;
      case 'case-reused':
        context.err(`    ${event.result.id}: kept from the interrupted run (${event.result.outcome})`);
        break;
    }
  };
}
