import { hostname } from 'node:os';
import { loadNativeProbe, type NativeProbe } from '../native/binding.js';
import { describeError } from '../util/errors.js';
import { readCpuFromProc, readMemTotalFromProc } from './cpuinfo-fallback.js';
import { probeGpuFacts, type GpuFacts } from './gpu.js';
import { buildGpuHealth } from './gpu-health.js';
import type { EngineCudaNeed, KernelLogSummary } from './health-types.js';
import { loadHealthThresholds } from './health-thresholds.js';
import { readKernelLog } from './kernel-log.js';
import { loadXidCatalog } from './xid-catalog.js';
import { classifyXids, extractXids } from './xid-events.js';
import { listInstalledManualPackages, type InstalledPackagesOptions } from './installed-packages.js';
import { readDeviceMinors } from './device-minors.js';
import { resolveJobScope } from './job-gpu-identity.js';
import { jobScopeFromDeviceCgroup, jobScopeFromEnvironment, type DeviceCgroupOptions, type JobGpuClaim } from './job-gpus.js';
import { readNvidiaKernelModule } from './kernel-module.js';
import { scanPciGpus } from './pci-gpus.js';
import { evaluateRules, type ProbeFacts } from './rules.js';
import { PROBE_SCHEMA_VERSION, type CpuSnapshot, type ExpectedGpus, type GpuHealth, type GpuSnapshot, type NodeClassExpectation, type InstalledPackages, type JobGpuScope, type ProbeSnapshot } from './types.js';

export type {
  ProbeSnapshot,
  CpuSnapshot,
  GpuSnapshot,
  GpuComputeMode,
  Verdict,
  VerdictStatus,
  DriverSnapshot,
  OsEnabledState,
  GpuErrorKind,
  ExpectedGpus,
  NodeClassExpectation,
  PackageSelection,
  PciGpu,
  PciGpuScan,
  KernelModuleState,
  JobGpuScope,
  JobGpu,
  InstalledPackages,
  GpuHealth,
  HealthCheckId,
  HealthFinding,
  KernelLogSummary,
  XidEvent,
  XidSeverity,
  EngineCudaNeed,
  ComputeProcessInfo,
} from './types.js';
export { HEALTH_CHECKS } from './health-types.js';
export { gpuLabel } from './health-rules.js';
export { clockReasonNames } from './health-checks.js';
export { parseKernelLog, readKernelLog, type KernelLog, type KernelRecord } from './kernel-log.js';
export { extractXids, classifyXids, pciDeviceAddress, type LoggedXid } from './xid-events.js';
export { loadXidCatalog, defaultXidCatalogFile, type XidCatalog, type XidMeaning } from './xid-catalog.js';
export { loadHealthThresholds, defaultHealthThresholdsFile, type HealthThresholds } from './health-thresholds.js';
export type { ProbeFacts } from './rules.js';
export { PROBE_SCHEMA_VERSION } from './types.js';
export { evaluateRules, type EvaluateRulesOptions } from './rules.js';
export { parsePackageName, type ParsedPackageName, type Accelerator } from './package-name.js';
export { MANUAL_RULES, RULE_FAMILIES, type RuleFamily } from './rules-data.js';
export { MANUAL_PACKAGE_FAMILIES, manualPackageNames, type PackageFamily } from './packages-data.js';
export { DEFAULT_GPU_TIMEOUT_MS } from './gpu.js';

export interface ProbeNodeOptions {
  /** Package names to judge and report, e.g. cm-pytorch-py37-cuda10.1-gcc (--package). */
  packages?: readonly string[];
  /** Package names that must pass (--require-package). */
  requiredPackages?: readonly string[];
  /** Look up the manual's packages installed here with rpm/dpkg (default true); or replace the lookup. */
  installedPackages?: boolean | InstalledPackagesOptions;
  /** --expect-gpus, or the node class's expectation. */
  expectedGpus?: ExpectedGpus | null;
  /** What the installed engines need of the driver (src/engines/cuda-needs.ts); without it gpu-driver-compat skips. */
  engineCudaNeeds?: readonly EngineCudaNeed[] | null;
  /** Fail the node when another process holds one of its (the job's) GPUs: `mlcheck slurm check --prolog`. */
  checkGpuProcesses?: boolean;
  /** Run from a Slurm Prolog: a job (SLURM_JOB_ID) without SLURM_JOB_GPUS was given no GPU, so no GPU is judged. */
  prolog?: boolean;
  /** Re-read a PCIe link below its maximum while keeping the GPU busy (default true; creates a CUDA context). */
  busyPcieReread?: boolean;
  /** Environment for the test hooks (MLCHECK_SYSFS_ROOT, MLCHECK_PROCFS_ROOT, MLCHECK_DEV_ROOT, MLCHECK_KMSG) and the job's GPUs; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How a job's device cgroup is detected (stand-in /dev, opener). */
  deviceCgroup?: DeviceCgroupOptions;
  /** Loads the addon; throws when it cannot (then the probe falls back to /proc). */
  loadNative?: () => NativeProbe;
  /** Library names handed to dlopen (defaults libcuda.so.1 and libnvidia-ml.so.1). */
  cudaLibrary?: string;
  nvmlLibrary?: string;
  gpuTimeoutMs?: number;
  cpuinfoPath?: string;
  meminfoPath?: string;
}

const NO_GPU_FACTS_IN_FALLBACK = 'not probed: the native addon is needed to query the NVIDIA driver';

/** Probes this node's CPU, memory and NVIDIA GPUs and judges them against the manual's rules. */
export async function probeNode(options: ProbeNodeOptions = {}): Promise<ProbeSnapshot> {
  let native: NativeProbe | null = null;
  let fallbackReason: string | null = null;
  try {
    native = (options.loadNative ?? (() => loadNativeProbe()))();
  } catch (error) {
    fallbackReason = `fell back to /proc/cpuinfo and /proc/meminfo: ${describeError(error)}`;
  }

  let cpu: CpuSnapshot;
  let totalBytes: number;
  let gpu: GpuFacts;
  if (native !== null) {
    const facts = native.probeCpu();
    cpu = {
      vendor: facts.vendor,
      brand: facts.brand,
      family: facts.family,
      model: facts.model,
      stepping: facts.stepping,
      logicalCpus: facts.logicalCpus,
      features: facts.features,
      cpuid: facts.cpuid,
      osEnabled: {
        osxsave: facts.osEnabled.osxsave,
        xmm: facts.osEnabled.xmm,
        ymm: facts.osEnabled.ymm,
        zmmOpmask: facts.osEnabled.zmmOpmask,
        zmmHi256: facts.osEnabled.zmmHi256,
        zmmHi16: facts.osEnabled.zmmHi16,
        amxTile: facts.osEnabled.amxTileCfg && facts.osEnabled.amxTile,
      },
    };
    totalBytes = native.totalMemoryBytes();
    gpu = await probeGpuFacts(native, {
      ...(options.cudaLibrary !== undefined ? { cudaLibrary: options.cudaLibrary } : {}),
      ...(options.nvmlLibrary !== undefined ? { nvmlLibrary: options.nvmlLibrary } : {}),
      ...(options.gpuTimeoutMs !== undefined ? { timeoutMs: options.gpuTimeoutMs } : {}),
      ...(options.busyPcieReread !== undefined ? { busyPcieReread: options.busyPcieReread } : {}),
    });
  } else {
    const procOptions = {
      ...(options.cpuinfoPath !== undefined ? { cpuinfoPath: options.cpuinfoPath } : {}),
      ...(options.meminfoPath !== undefined ? { meminfoPath: options.meminfoPath } : {}),
    };
    cpu = readCpuFromProc(procOptions);
    totalBytes = readMemTotalFromProc(procOptions);
    gpu = {
      driver: null,
      gpus: [],
      nvmlHealth: [],
      gpuError: NO_GPU_FACTS_IN_FALLBACK,
      gpuErrorKind: 'not-probed',
      nvmlError: NO_GPU_FACTS_IN_FALLBACK,
      missingSymbols: { cuda: [], nvml: [] },
      timedOut: false,
    };
  }

  const env = options.env ?? process.env;
  const pci = scanPciGpus({ sysfsRoot: env.MLCHECK_SYSFS_ROOT || '/sys' });
  const procfsRoot = env.MLCHECK_PROCFS_ROOT || '/proc';
  const kernelModule = readNvidiaKernelModule({ procfsRoot });
  const cudaCount = gpu.gpus.filter((g) => g.seenBy.cuda).length;
  // Only a node whose driver shows fewer GPUs than its PCI bus (or none: CUDA_ERROR_NO_DEVICE)
  // needs to know whether a device cgroup hides some.
  const hidden = pci.devices.length > 0 && (gpu.gpuErrorKind === 'no-device' || (gpu.gpuError === null && pci.devices.length > cudaCount));
  const claim: JobGpuClaim | null =
    jobScopeFromEnvironment({ env, prolog: options.prolog === true }) ??
    (hidden ? await jobScopeFromDeviceCgroup({ devRoot: env.MLCHECK_DEV_ROOT || '/dev', ...options.deviceCgroup }) : null);
  const jobScope: JobGpuScope | null = claim === null ? null : resolveJobScope(claim, { gpus: gpu.gpus, pci, readMinors: () => readDeviceMinors({ procfsRoot }) });
  const installed = installedPackages(options.installedPackages);
  // Inside a job only its own GPUs are judged: the others, and their processes, belong to other jobs.
  const judged = (snapshot: GpuSnapshot): boolean => jobScope === null || jobScope.gpus.some((jobGpu) => jobGpu.gpuIndex === snapshot.index);
  const { health, kernelLog } = gpuHealth(gpu, pci.devices.length > 0, { env, procfsRoot, checkGpuProcesses: options.checkGpuProcesses === true, judged });

  const facts: ProbeFacts = {
    schemaVersion: PROBE_SCHEMA_VERSION,
    source: native !== null ? ('native' as const) : ('fallback' as const),
    fallbackReason,
    hostname: hostname(),
    cpu,
    memory: { totalBytes },
    driver: gpu.driver,
    gpus: gpu.gpus,
    gpuError: gpu.gpuError,
    gpuErrorKind: gpu.gpuErrorKind,
    nvmlError: gpu.nvmlError,
    gpuTimedOut: gpu.timedOut,
    missingSymbols: gpu.missingSymbols,
    pci,
    kernelModule,
    jobScope,
    expectedGpus: options.expectedGpus ?? null,
    packages: { judged: [...(options.packages ?? [])], required: [...(options.requiredPackages ?? [])], installed },
    health,
    kernelLog,
    engineCudaNeeds: options.engineCudaNeeds === undefined || options.engineCudaNeeds === null ? null : [...options.engineCudaNeeds],
    gpuProcessesChecked: options.checkGpuProcesses === true,
  };
  return { ...facts, verdicts: evaluateRules(facts) };
}

/**
 * True when this node has NVIDIA GPUs by any witness, the PCI bus or the driver, and the job (if
 * any) was given some: its engines must then run on their GPU backends, never fall back to the CPU.
 */
export function hasNvidiaGpus(snapshot: Pick<ProbeSnapshot, 'pci' | 'gpus' | 'jobScope'>): boolean {
  const onNode = snapshot.pci.devices.length > 0 || snapshot.gpus.length > 0;
  return onNode && (snapshot.jobScope === null || snapshot.jobScope.count > 0);
}

/**
 * The same facts judged against a node class matched after the probe: its GPU count (unless
 * --expect-gpus set one) and its other expectations (model, memory, driver, MIG).
 */
export function withNodeClass(snapshot: ProbeSnapshot, expectations: { expectedGpus?: ExpectedGpus; nodeClass: NodeClassExpectation }): ProbeSnapshot {
  const { verdicts: _previous, ...facts } = snapshot;
  const updated: ProbeFacts = { ...facts, expectedGpus: facts.expectedGpus ?? expectations.expectedGpus ?? null, nodeClass: expectations.nodeClass };
  return { ...updated, verdicts: evaluateRules(updated) };
}

/** On a GPU node (by PCI or the driver): the kernel log's Xids and each GPU's health. A CPU node's log is not read. */
function gpuHealth(gpu: GpuFacts, onPci: boolean, options: { env: NodeJS.ProcessEnv; procfsRoot: string; checkGpuProcesses: boolean; judged: (gpu: GpuSnapshot) => boolean }): { health: GpuHealth[]; kernelLog: KernelLogSummary } {
  if (!onPci && gpu.gpus.length === 0) return { health: [], kernelLog: { source: null, error: null, xids: [] } };
  const log = readKernelLog({ env: options.env });
  const xids = classifyXids(extractXids(log.records), loadXidCatalog(), gpu.gpus);
  const health = buildGpuHealth(gpu, { thresholds: loadHealthThresholds(), xids, kernelLogError: log.error, checkProcesses: options.checkGpuProcesses, procfsRoot: options.procfsRoot, judged: options.judged });
  return { health, kernelLog: { source: log.source, error: log.error, xids } };
}

function installedPackages(option: ProbeNodeOptions['installedPackages']): InstalledPackages | null {
  if (option === false) return null;
  return listInstalledManualPackages(option === true || option === undefined ? {} : option);
}
