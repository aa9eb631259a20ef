/** What `mlcheck probe` reports about a node; `--json` prints a ProbeSnapshot. */
import type { EngineCudaNeed, GpuChecks, GpuHealth, GpuHealthFacts, KernelLogSummary } from './health-types.js';
import type { InstalledPackages } from './installed-packages.js';
import type { JobGpu, JobGpuScope } from './job-gpu-identity.js';
import type { KernelModuleState } from './kernel-module.js';
import type { PciGpu, PciGpuScan } from './pci-gpus.js';

export type { InstalledPackages, JobGpu, JobGpuScope, KernelModuleState, PciGpuScan };
export type { ComputeProcessInfo, EngineCudaNeed, GpuChecks, GpuHealth, GpuHealthFacts, HealthCheckId, HealthFinding, KernelLogSummary, XidEvent, XidSeverity } from './health-types.js';
export type { PciGpu } from './pci-gpus.js';

/**
 * 2: the PCI bus, the kernel module, the job's GPUs, installed packages; gpu-driver and gpu-count verdicts.
 * 3: GPU health (`health`, `kernelLog`, `engineCudaNeeds`, `gpuProcessesChecked`) and its verdicts.
 * 4: the node class's expectations (`nodeClass`) and the node-class verdict.
 * 5: the job's GPUs by identity (`jobScope.gpus`, `matchedBy`, `cudaVisibleDevices`); GPUs that are not the job's are not judged.
 */
export const PROBE_SCHEMA_VERSION = 5;

export type GpuErrorKind = 'no-driver' | 'no-device' | 'driver-error' | 'timeout' | 'not-probed';

import type { VerdictStatus } from './verdict-status.js';

export type { VerdictStatus };

export interface Verdict {
  /** A rule family (`cuda`, `gcc`, `gcc8`, `memory`), a GPU check (`gpu-driver`, `gpu-count`, `gpu-ecc`, ...) or a package name. */
  subject: string;
  kind: 'family' | 'gpu' | 'package';
  status: VerdictStatus;
  reason: string;
  /** The operator's next step when it does not pass; null when there is none to give. */
  fix: string | null;
  /**
   * True when this verdict decides whether the node is fit, so a `fail` fails `mlcheck run`:
   * the GPU checks, and the packages installed here or required with --require-package. A rule
   * family on its own is advice (a CPU node without ML packages is not failed by the gcc8 rule).
   */
  appliesToNode: boolean;
}

/** What a node's class in references/nodes.yaml says it has, beside the GPU count. */
export interface NodeClassExpectation {
  id: string;
  /** Where the class came from, e.g. "references/nodes.yaml". */
  source: string;
  /** A case-insensitive regular expression every GPU's name must match. */
  gpuModel?: string;
  /** The least memory each GPU must report, in GiB (an H100 80GB reports 79.6). */
  gpuMemoryGiB?: number;
  /** The oldest acceptable NVIDIA driver, e.g. "550.54". */
  minDriverVersion?: string;
  /** Whether every GPU must have MIG on (true) or off (false). */
  mig?: boolean;
}

/** How many GPUs the node must show, and who said so. */
export interface ExpectedGpus {
  count: number;
  /** e.g. "--expect-gpus", "node class dgx-a100 (references/nodes.yaml)". */
  source: string;
}

/** The package names the verdicts judge, and why each is judged. */
export interface PackageSelection {
  /** --package: judged and reported, never deciding. */
  judged: string[];
  /** --require-package: must pass. */
  required: string[];
  /** Found installed by rpm/dpkg; null when not looked up. */
  installed: InstalledPackages | null;
}

export interface OsEnabledState {
  /** CR4.OSXSAVE: the OS manages extended state and xgetbv may run. */
  osxsave: boolean;
  xmm: boolean;
  ymm: boolean;
  zmmOpmask: boolean;
  zmmHi256: boolean;
  zmmHi16: boolean;
  amxTile: boolean;
}

export interface CpuSnapshot {
  vendor: string;
  brand: string;
  family: number;
  model: number;
  stepping: number;
  logicalCpus: number;
  /** Usable: listed by cpuid and its register state enabled by the OS. */
  features: Record<string, boolean>;
  /** Listed by cpuid (in fallback mode: the kernel's /proc/cpuinfo flags). */
  cpuid: Record<string, boolean>;
  osEnabled: OsEnabledState;
}

export interface DriverSnapshot {
  /** NVIDIA driver version, e.g. "550.54.15" (from NVML). */
  version: string | null;
  /** The CUDA version the driver supports, e.g. "12.4". */
  cudaVersion: string | null;
}

/**
 * nvmlComputeMode_t: who may create a CUDA context on the GPU. exclusive-process: one process at a
 * time (a second one's context creation fails); prohibited: nobody.
 */
export type GpuComputeMode = 'default' | 'exclusive-thread' | 'prohibited' | 'exclusive-process';

export interface GpuSnapshot {
  /** CUDA device ordinal (NVML index when CUDA is unavailable). */
  index: number;
  name: string | null;
  uuid: string | null;
  pciBusId: string | null;
  computeCapability: { major: number; minor: number } | null;
  memoryBytes: number | null;
  multiprocessors: number | null;
  ecc: { enabled: boolean | null; pendingEnabled: boolean | null; volatileUncorrected: number | null };
  pcie: { generationCurrent: number | null; generationMax: number | null; widthCurrent: number | null; widthMax: number | null };
  temperatureC: number | null;
  persistenceMode: boolean | null;
  migMode: { current: boolean; pending: boolean } | null;
  /** NVML's compute mode (nvmlDeviceGetComputeMode); null when NVML did not say. */
  computeMode: GpuComputeMode | null;
  /** Where the facts came from. */
  seenBy: { cuda: boolean; nvml: boolean };
  /** Per-field query failures, each naming the library, function and error. */
  errors: string[];
}

export interface ProbeSnapshot {
  schemaVersion: number;
  /** `native`: cpuid/xgetbv and the driver; `fallback`: /proc/cpuinfo and /proc/meminfo only. */
  source: 'native' | 'fallback';
  fallbackReason: string | null;
  hostname: string;
  cpu: CpuSnapshot;
  memory: { totalBytes: number };
  driver: DriverSnapshot | null;
  gpus: GpuSnapshot[];
  /** Null when CUDA answered; otherwise why not, e.g. "libcuda.so.1 not found: no NVIDIA driver installed". */
  gpuError: string | null;
  /** What kind of failure gpuError is, for the rules: no driver, no device, a driver error, a hang. */
  gpuErrorKind: GpuErrorKind | null;
  /** True when the driver did not answer in time; its worker thread may still be stuck. */
  gpuTimedOut: boolean;
  /** Null when NVML answered; its absence only leaves the health fields empty. */
  nvmlError: string | null;
  /** Optional symbols a driver library lacks (their fields stay empty). */
  missingSymbols: { cuda: string[]; nvml: string[] };
  /** NVIDIA GPUs on the PCI bus, read from sysfs: present whatever state the driver is in. */
  pci: PciGpuScan;
  /** The nvidia kernel module, from /proc/driver/nvidia/version. */
  kernelModule: KernelModuleState;
  /** The GPUs this job or container was given, by PCI address and UUID; null outside one (then the node's GPUs count). */
  jobScope: JobGpuScope | null;
  /** From --expect-gpus or the node class; null when only the PCI bus says how many there are. */
  expectedGpus: ExpectedGpus | null;
  /** The node class's other expectations (model, memory, driver, MIG); null when no class applies. Absent before schema 4. */
  nodeClass?: NodeClassExpectation | null;
  packages: PackageSelection;
  /** Per-GPU health (schema/probe-health.schema.json), one entry per GPU in `gpus`. */
  health: GpuHealth[];
  /** The kernel log since boot and its Xids. */
  kernelLog: KernelLogSummary;
  /** What the installed engines need of the driver; null when the caller did not say (gpu-driver-compat then skips). */
  engineCudaNeeds: EngineCudaNeed[] | null;
  /** True when another process on the GPUs fails the node (`mlcheck slurm check --prolog`). */
  gpuProcessesChecked: boolean;
  verdicts: Verdict[];
}

/**
 * Everything the probe knows of one GPU, in one record (src/probe/gpu-records.ts builds it): who
 * it is, what the driver says of it, its health facts, its PCI device and whether it is the job's.
 * Internal: the published snapshot keeps `gpus[]` and `health[]`, each entry keyed by index, PCI
 * address and UUID.
 */
export interface GpuRecord {
  /** CUDA device ordinal (NVML index when CUDA is unavailable), as in `gpus[].index`. */
  index: number;
  uuid: string | null;
  /** Normalised, e.g. "0000:3b:00.0". */
  pciBusId: string | null;
  name: string | null;
  /** What CUDA and NVML said of it: its `gpus[]` entry. */
  driverFacts: GpuSnapshot;
  /** What NVML and the kernel log say of its health: its `health[]` entry without the checks. */
  health: GpuHealthFacts;
  /** Its device on the PCI bus, by address; null when the PCI view does not list it (or its address is unknown). */
  pciDevice: PciGpu | null;
  /** Inside a job, the job's name for it when it is one of the job's GPUs; null otherwise. */
  jobGpu: JobGpu | null;
  /** Whether it is judged: every GPU outside a job, only the job's inside one. */
  inJobScope: boolean;
}

/** A GPU record with its health checks' findings, as the verdicts read it. */
export interface JudgedGpuRecord extends GpuRecord {
  checks: GpuChecks;
}

/**
 * What `collectProbeFacts` gathers: the node's facts, one record per GPU, no verdicts. `judgeProbe`
 * judges them once, against the GPU count and node class expected, into a ProbeSnapshot.
 */
export interface ProbeFacts
  extends Pick<
    ProbeSnapshot,
    | 'source'
    | 'fallbackReason'
    | 'hostname'
    | 'cpu'
    | 'memory'
    | 'driver'
    | 'gpuError'
    | 'gpuErrorKind'
    | 'gpuTimedOut'
    | 'nvmlError'
    | 'missingSymbols'
    | 'pci'
    | 'kernelModule'
    | 'jobScope'
    | 'packages'
    | 'kernelLog'
    | 'engineCudaNeeds'
    | 'gpuProcessesChecked'
  > {
  /** One record per GPU the driver answered for (CUDA, or NVML when CUDA is unusable). */
  gpus: GpuRecord[];
}
