import { hostname } from 'node:os';
import { loadNativeProbe, type NativeProbe } from '../native/binding.js';
import { describeError } from '../util/errors.js';
import { readCpuFromProc, readMemTotalFromProc } from './cpuinfo-fallback.js';
import { probeGpuFacts, type GpuFacts } from './gpu.js';
import { buildGpuRecords } from './gpu-records.js';
import type { EngineCudaNeed, KernelLogSummary } from './health-types.js';
import { readKernelLog } from './kernel-log.js';
import { loadXidCatalog } from './xid-catalog.js';
import { classifyXids, extractXids } from './xid-events.js';
import { listInstalledManualPackages, type InstalledPackagesOptions } from './installed-packages.js';
import { readDeviceMinors } from './device-minors.js';
import { resolveJobScope } from './job-gpu-identity.js';
import { jobScopeFromDeviceCgroup, jobScopeFromEnvironment, type DeviceCgroupOptions, type JobGpuClaim } from './job-gpus.js';
import { readNvidiaKernelModule } from './kernel-module.js';
import { scanPciGpus } from './pci-gpus.js';
import type { CpuSnapshot, InstalledPackages, JobGpuScope, ProbeFacts } from './types.js';

export interface CollectProbeOptions {
  /** Package names to judge and report, e.g. cm-pytorch-py37-cuda10.1-gcc (--package). */
  packages?: readonly string[];
  /** Package names that must pass (--require-package). */
  requiredPackages?: readonly string[];
  /** Look up the manual's packages installed here with rpm/dpkg (default true); or replace the lookup. */
  installedPackages?: boolean | InstalledPackagesOptions;
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

/**
 * This node's facts, no verdicts: its CPU, memory and NVIDIA GPUs (PCI bus, kernel module,
 * driver), the job's GPUs, the kernel log's Xids and the ML packages installed, with one record
 * per GPU. `judgeProbe` judges them.
 */
export async function collectProbeFacts(options: CollectProbeOptions = {}): Promise<ProbeFacts> {
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
      devices: [],
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
  const driverGpus = gpu.devices.map((device) => device.driverFacts);
  const cudaCount = driverGpus.filter((g) => g.seenBy.cuda).length;
  // Only a node whose driver shows fewer GPUs than its PCI bus (or none: CUDA_ERROR_NO_DEVICE)
  // needs to know whether a device cgroup hides some.
  const hidden = pci.devices.length > 0 && (gpu.gpuErrorKind === 'no-device' || (gpu.gpuError === null && pci.devices.length > cudaCount));
  const claim: JobGpuClaim | null =
    jobScopeFromEnvironment({ env, prolog: options.prolog === true }) ??
    (hidden ? await jobScopeFromDeviceCgroup({ devRoot: env.MLCHECK_DEV_ROOT || '/dev', ...options.deviceCgroup }) : null);
  const jobScope: JobGpuScope | null = claim === null ? null : resolveJobScope(claim, { gpus: driverGpus, pci, readMinors: () => readDeviceMinors({ procfsRoot }) });
  const installed = installedPackages(options.installedPackages);
  // A CPU node's kernel log is not read.
  const onGpuNode = pci.devices.length > 0 || gpu.devices.length > 0;
  const kernelLog = onGpuNode ? readGpuKernelLog(env, driverGpus) : { source: null, error: null, xids: [] };
  const gpus = buildGpuRecords(gpu.devices, { pci, jobScope, xids: kernelLog.xids, procfsRoot });

  return {
    source: native !== null ? 'native' : 'fallback',
    fallbackReason,
    hostname: hostname(),
    cpu,
    memory: { totalBytes },
    driver: gpu.driver,
    gpus,
    gpuError: gpu.gpuError,
    gpuErrorKind: gpu.gpuErrorKind,
    nvmlError: gpu.nvmlError,
    gpuTimedOut: gpu.timedOut,
    missingSymbols: gpu.missingSymbols,
    pci,
    kernelModule,
    jobScope,
    packages: { judged: [...(options.packages ?? [])], required: [...(options.requiredPackages ?? [])], installed },
    kernelLog,
    engineCudaNeeds: options.engineCudaNeeds === undefined || options.engineCudaNeeds === null ? null : [...options.engineCudaNeeds],
    gpuProcessesChecked: options.checkGpuProcesses === true,
  };
}

/** The kernel log since boot and its Xids, each matched to the probed GPU at its PCI address (or UUID). */
function readGpuKernelLog(env: NodeJS.ProcessEnv, gpus: Parameters<typeof classifyXids>[2]): KernelLogSummary {
  const log = readKernelLog({ env });
  return { source: log.source, error: log.error, xids: classifyXids(extractXids(log.records), loadXidCatalog(), gpus) };
}

function installedPackages(option: CollectProbeOptions['installedPackages']): InstalledPackages | null {
  if (option === false) return null;
  return listInstalledManualPackages(option === true || option === undefined ? {} : option);
}
