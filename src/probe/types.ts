/** What `mlcheck probe` reports about a node; `--json` prints a ProbeSnapshot. */

export const PROBE_SCHEMA_VERSION = 1;

export type GpuErrorKind = 'no-driver' | 'no-device' | 'driver-error' | 'timeout' | 'not-probed';

export type VerdictStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Verdict {
  /** A rule family (`cuda`, `gcc`, `gcc8`, `memory`) or a package name. */
  subject: string;
  kind: 'family' | 'package';
  status: VerdictStatus;
  reason: string;
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
  verdicts: Verdict[];
}
