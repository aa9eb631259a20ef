import { judgeGpuCount, judgeGpuDriver, type GpuPresenceFacts } from './gpu-presence-rules.js';
import { healthVerdicts, type HealthFacts } from './health-rules.js';
import { noGpusGiven } from './job-gpu-identity.js';
import { judgeNodeClass } from './node-class-rules.js';
import { MANUAL_RULES, type CpuFeatureRule, type ManualRules } from './rules-data.js';
import { parsePackageName, type ParsedPackageName } from './package-name.js';
import type { GpuRecord, GpuSnapshot, ProbeFacts, ProbeSnapshot, Verdict, VerdictStatus } from './types.js';

export interface EvaluateRulesOptions {
  rules?: ManualRules;
}

/**
 * The facts the rules read: the node's, each GPU's record with its health checks' findings, and
 * what is expected of the node (the GPU count, the node class).
 */
export type RuleFacts = Pick<ProbeFacts, 'source' | 'cpu' | 'memory' | 'gpuError' | 'gpuErrorKind' | 'driver' | 'pci' | 'kernelModule' | 'jobScope' | 'packages'> &
  Pick<ProbeSnapshot, 'expectedGpus' | 'nodeClass'> &
  HealthFacts;
type Facts = Pick<ProbeFacts, 'cpu' | 'memory' | 'gpuError' | 'gpuErrorKind' | 'source' | 'pci' | 'jobScope'> & { gpus: readonly GpuRecord[] };
type Judgement = { status: VerdictStatus; reason: string };

const SEVERITY: Record<VerdictStatus, number> = { pass: 0, skip: 1, warn: 2, fail: 3 };

/**
 * The GPU checks (gpu-driver, gpu-count, then on a GPU node the health checks gpu-ecc ...
 * gpu-persistence), one verdict per rule family (cuda, gcc, gcc8, memory),
 * then one per package name: those installed here or required decide the node, those only
 * asked about (--package) are reported.
 */
export function evaluateRules(facts: RuleFacts, options: EvaluateRulesOptions = {}): Verdict[] {
  const rules = options.rules ?? MANUAL_RULES;
  const gpu = (subject: string, judgement: ReturnType<typeof judgeGpuDriver>): Verdict => ({ subject, kind: 'gpu', ...judgement, appliesToNode: true });
  const family = (subject: string, judgement: Judgement): Verdict => ({ subject, kind: 'family', ...judgement, fix: null, appliesToNode: false });
  const presence: GpuPresenceFacts = facts;
  const verdicts: Verdict[] = [
    gpu('gpu-driver', judgeGpuDriver(presence)),
    gpu('gpu-count', judgeGpuCount(presence)),
    ...nodeClassVerdict(facts),
    ...healthVerdicts(facts),
    family('cuda', judgeCuda(facts, rules)),
    family('gcc', judgeCpuFeatures(facts, rules.gcc)),
    family('gcc8', judgeCpuFeatures(facts, rules.gcc8)),
    family('memory', judgeMemory(facts, rules)),
  ];
  const installed = new Set(facts.packages.installed?.names ?? []);
  const required = new Set(facts.packages.required);
  for (const name of new Set([...facts.packages.required, ...installed, ...facts.packages.judged])) {
    const why = required.has(name) ? 'required' : installed.has(name) ? 'installed' : null;
    const judgement = judgePackage(parsePackageName(name), facts, rules);
    verdicts.push({
      subject: name,
      kind: 'package',
      ...judgement,
      reason: why === null ? judgement.reason : `${why}: ${judgement.reason}`,
      fix: judgement.status === 'fail' ? packageFix(name, why) : null,
      appliesToNode: why !== null,
    });
  }
  return verdicts;
}

function nodeClassVerdict(facts: RuleFacts): Verdict[] {
  const judgement = judgeNodeClass(facts);
  return judgement === null ? [] : [{ subject: 'node-class', kind: 'gpu', ...judgement, appliesToNode: true }];
}

function packageFix(name: string, why: 'required' | 'installed' | null): string {
  return why === 'installed' ? `remove ${name} from this node's software image, or fix the hardware it needs` : `run ${name} on nodes that meet its rule`;
}

function capability(gpu: GpuSnapshot): string {
  return gpu.computeCapability === null ? 'unknown' : `${gpu.computeCapability.major}.${gpu.computeCapability.minor}`;
}

function describeGpu(gpu: GpuRecord): string {
  return `GPU ${gpu.index} ${gpu.name ?? '(unnamed)'} (compute capability ${capability(gpu.driverFacts)})`;
}

function below(gpu: GpuRecord, limit: { major: number; minor: number }): boolean {
  const cc = gpu.driverFacts.computeCapability;
  return cc !== null && (cc.major < limit.major || (cc.major === limit.major && cc.minor < limit.minor));
}

function judgeCuda(facts: Facts, rules: ManualRules): Judgement {
  const { minimum, recommended } = rules.cuda;
  const min = `${minimum.major}.${minimum.minor}`;
  const rec = `${recommended.major}.${recommended.minor}`;
  if (hiddenFromJob(facts)) return { status: 'skip', reason: `${noGpusGiven(facts.jobScope!)}: its CUDA sees none of the node's ${facts.pci.devices.length} GPUs (${facts.gpuError})` };
  if (facts.gpuError !== null && facts.pci.devices.length > 0 && facts.gpuErrorKind !== 'not-probed') {
    return { status: 'fail', reason: `${facts.pci.devices.length} NVIDIA GPU(s) on PCI, but CUDA is unusable: ${facts.gpuError}` };
  }
  if (facts.gpuError !== null) {
    if (facts.gpus.length > 0) {
      return { status: 'fail', reason: `NVML sees ${facts.gpus.map(describeGpu).join(', ')}, but CUDA is unusable: ${facts.gpuError}` };
    }
    if (facts.gpuErrorKind === 'no-driver') return { status: 'skip', reason: `no NVIDIA driver (${facts.gpuError}); *-cuda packages cannot run on this node` };
    if (facts.gpuErrorKind === 'not-probed') return { status: 'skip', reason: `GPUs ${facts.gpuError}` };
    if (facts.gpuErrorKind === 'no-device') return { status: 'skip', reason: `no NVIDIA GPU: ${facts.gpuError}` };
    return { status: 'fail', reason: `the NVIDIA driver is installed but CUDA fails: ${facts.gpuError}` };
  }
  if (facts.gpus.length === 0) return { status: 'skip', reason: 'no NVIDIA GPU: the driver reports 0 CUDA devices' };
  const tooOld = facts.gpus.filter((gpu) => below(gpu, minimum));
  if (tooOld.length > 0) {
    return { status: 'fail', reason: `${tooOld.map(describeGpu).join(', ')} below the minimum ${min} for *-cuda packages` };
  }
  const unknown = facts.gpus.filter((gpu) => gpu.driverFacts.computeCapability === null);
  const old = facts.gpus.filter((gpu) => below(gpu, recommended));
  const notes = [
    ...(old.length > 0 ? [`${old.map(describeGpu).join(', ')} meets the minimum ${min} but is below the recommended ${rec}`] : []),
    ...(unknown.length > 0 ? [`${unknown.map(describeGpu).join(', ')}: the driver did not report it`] : []),
  ];
  if (notes.length > 0) return { status: 'warn', reason: notes.join('; ') };
  return { status: 'pass', reason: `${facts.gpus.map(describeGpu).join(', ')}: all >= ${rec}` };
}

/** A job without GPUs on a GPU node: the node has GPUs, its job's CUDA is shown none (CUDA_ERROR_NO_DEVICE). */
function hiddenFromJob(facts: Facts): boolean {
  return facts.jobScope !== null && facts.jobScope.count === 0 && facts.gpuErrorKind === 'no-device' && facts.pci.devices.length > 0;
}

function judgeCpuFeatures(facts: Facts, rule: CpuFeatureRule): Judgement {
  const label = (flag: string) => rule.labels[flag] ?? flag;
  const missing = rule.requiredFeatures.filter((flag) => facts.cpu.features[flag] !== true);
  const names = rule.requiredFeatures.map(label).join(', ');
  const via = facts.source === 'fallback' ? ' (from /proc/cpuinfo)' : '';
  if (missing.length === 0) return { status: 'pass', reason: `${names} usable${via}` };
  const details = missing.map((flag) =>
    facts.cpu.cpuid[flag] === true ? `${label(flag)} (${flag}: cpuid lists it but the OS has not enabled its register state)` : `${label(flag)} (${flag})`,
  );
  return { status: 'fail', reason: `missing ${details.join(', ')}${via}` };
}

function judgeMemory(facts: Facts, rules: ManualRules): Judgement {
  const { minimumBytes, toleranceFraction } = rules.memory;
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (facts.memory.totalBytes >= minimumBytes * (1 - toleranceFraction)) return { status: 'pass', reason: `${gib(facts.memory.totalBytes)} RAM (>= ${gib(minimumBytes)} recommended)` };
  return { status: 'warn', reason: `${gib(facts.memory.totalBytes)} RAM, below the recommended ${gib(minimumBytes)}` };
}

function judgePackage(parsed: ParsedPackageName, facts: Facts, rules: ManualRules): Judgement {
  const parts: Judgement[] = [];
  if (parsed.accelerator?.kind === 'cuda') {
    const cuda = judgeCuda(facts, rules);
    parts.push(cuda.status === 'skip' && facts.gpuErrorKind !== 'not-probed' && !hiddenFromJob(facts) ? { status: 'fail', reason: `${rules.commonMistakes.cudaWithoutGpu}: ${cuda.reason}` } : { ...cuda, reason: `cuda: ${cuda.reason}` });
  }
  if (parsed.compiler === 'gcc') {
    const gcc = judgeCpuFeatures(facts, rules.gcc);
    parts.push({ ...gcc, reason: `gcc: ${gcc.reason}` });
  } else if (parsed.compiler === 'gcc8') {
    const gcc8 = judgeCpuFeatures(facts, rules.gcc8);
    parts.push(gcc8.status === 'fail' ? { status: 'fail', reason: `${rules.commonMistakes.vnniWithoutVnni}: ${gcc8.reason}` } : { ...gcc8, reason: `gcc8: ${gcc8.reason}` });
  } else if (parsed.compiler !== null) {
    parts.push({ status: 'skip', reason: `no rule in the manual for compiler ${parsed.compiler}` });
  }
  if (parts.length === 0) return { status: 'pass', reason: 'the manual states no hardware requirement for this package' };
  const worst = parts.reduce((a, b) => (SEVERITY[b.status] > SEVERITY[a.status] ? b : a));
  return { status: worst.status, reason: parts.map((part) => part.reason).join('; ') };
}
