import { Option, type Command } from 'commander';
import { DEFAULT_ENGINE_IDS, ENGINE_BACKENDS, ENGINE_IDS, ONNX_PROVIDERS } from '../engines/types.js';
import { DEFAULT_GPU_TIMEOUT_MS, type ProbeNodeOptions } from '../probe/index.js';
import { PROFILE_IDS, type ProfileId } from '../workloads/types.js';
import { addEngineOptions } from './engine-options.js';
import { collect, parseInteger, parseNonNegativeInteger, parsePackageNames, parsePositiveInteger, parsePositiveNumber } from './option-parsers.js';

/**
 * Options that more than one command takes, each declared once with one help text, so that an
 * option means the same wherever it appears. A command adds the ones it needs.
 */
export const sharedOption = {
  dataDir: () => new Option('-d, --data-dir <dir>', 'folder with one sub-folder per dataset (mnist/, iris/, images/, imagenet/); also MLCHECK_DATA_DIR; empty: unset'),
  profile: (defaultProfile: ProfileId) =>
    new Option('-p, --profile <profile>', 'how long the workloads run and which thresholds and references judge them').choices(PROFILE_IDS).default(defaultProfile),
  engine: () =>
    new Option('-e, --engine <engine>', `engine: ${ENGINE_IDS.join(', ')} (repeatable; default: ${DEFAULT_ENGINE_IDS.join(' and ')} where a workload has them, or python alone with a python option)`).argParser(collect),
  backend: () =>
    new Option('-b, --backend <backend>', `backend: ${ENGINE_IDS.map((engine) => `${engine} ${ENGINE_BACKENDS[engine].join('|')}`).join(', ')} (repeatable; default: the GPU one on a GPU node, else the best available)`).argParser(collect),
  ep: () => new Option('--ep <provider>', `onnx execution provider: ${ONNX_PROVIDERS.join(', ')} (= --engine onnx --backend <provider>)`),
  out: (defaultDir: string) => new Option('-o, --out <dir>', `directory for the case files, artifacts and report.json (default: ${defaultDir})`),
  json: () => new Option('--json <file>', 'also write the JSON report here'),
  junit: () => new Option('--junit <file>', 'also write a JUnit XML report here'),
  prom: () => new Option('--prom <file>', 'also write a Prometheus textfile (node_exporter textfile collector)'),
  seed: () => new Option('--seed <n>', 'random seed for every workload').argParser(parseInteger),
  threads: () => new Option('--threads <n>', 'threads per case (default: every CPU this process may use)').argParser(parsePositiveInteger),
  timeout: () => new Option('--timeout <seconds>', "watchdog per case (default: the profile's per workload)").argParser(parsePositiveNumber),
  model: () => new Option('--model <file>', 'ImageNet ONNX model for inception; its sidecar is <file>.json/.yaml or a registry match by sha256 (default: Inception-v3)'),
  strict: () => new Option('--strict', 'acceptance: a skipped case or a performance warning fails the run'),
  references: () => new Option('--references <file>', 'performance references per node class (default: the shipped references/nodes.yaml)'),
  expectGpus: () =>
    new Option('--expect-gpus <n>', "gpu-count fails unless the driver shows at least n NVIDIA GPUs (default: as many as the PCI bus has; inside a job, the job's GPUs; for run and bench, a node class's expect.gpus in references/nodes.yaml)").argParser(parseNonNegativeInteger),
  requirePackage: () => new Option('--require-package <name>', "fail unless this ML package passes the manual's rules on this node, installed or not, e.g. cm-tensorflow-py37-mkl-gcc8 (repeatable)").argParser(parsePackageNames),
  gpuTimeout: () => new Option('--gpu-timeout <seconds>', `give up on an NVIDIA driver that does not answer within this many seconds (default: ${DEFAULT_GPU_TIMEOUT_MS / 1000})`).argParser(parsePositiveNumber),
} as const;

/** The node options: which packages must pass here, how many GPUs there must be, how long the driver may take. */
export interface NodeExpectationFlags {
  requirePackage?: string[];
  expectGpus?: number;
  gpuTimeout?: number;
  /** A Slurm prolog: another process on the job's GPUs fails the node (gpu-processes). */
  checkGpuProcesses?: boolean;
  /** A Slurm prolog: a job (SLURM_JOB_ID) without SLURM_JOB_GPUS was given no GPU. */
  prolog?: boolean;
}

/** The probe's options from the node flags; the GPU timeout's default stays the probe's own. */
export function probeOptions(flags: NodeExpectationFlags): ProbeNodeOptions {
  return {
    requiredPackages: flags.requirePackage ?? [],
    ...(flags.checkGpuProcesses === true && { checkGpuProcesses: true }),
    ...(flags.prolog === true && { prolog: true }),
    ...(flags.expectGpus !== undefined && { expectedGpus: { count: flags.expectGpus, source: '--expect-gpus' } }),
    ...(flags.gpuTimeout !== undefined && { gpuTimeoutMs: Math.round(flags.gpuTimeout * 1000) }),
  };
}

export function addNodeOptions(command: Command): Command {
  return command.addOption(sharedOption.expectGpus()).addOption(sharedOption.requirePackage()).addOption(sharedOption.gpuTimeout());
}

/**
 * What `run` and `bench` both take: what to run and where, how to judge it, what to write, the
 * node's expectations; each engine's own options come beside these (cli/engine-options.ts).
 */
export interface CaseFlags extends NodeExpectationFlags {
  engine?: string[];
  backend?: string[];
  ep?: string;
  profile: ProfileId;
  dataDir?: string;
  out?: string;
  json?: string;
  junit?: string;
  prom?: string;
  threads?: number;
  timeout?: number;
  model?: string;
  strict?: boolean;
  references?: string;
}

export function addCaseOptions(command: Command, defaultOut: string): Command {
  for (const option of [
    sharedOption.engine(),
    sharedOption.backend(),
    sharedOption.ep(),
    sharedOption.profile('quick'),
    sharedOption.dataDir(),
    sharedOption.out(defaultOut),
    sharedOption.json(),
    sharedOption.junit(),
    sharedOption.prom(),
    sharedOption.threads(),
    sharedOption.timeout(),
    sharedOption.model(),
    sharedOption.strict(),
    sharedOption.references(),
  ]) {
    command.addOption(option);
  }
  return addEngineOptions(addNodeOptions(command));
}
