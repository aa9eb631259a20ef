import type { NativeCudaDevice, NativeGpuReport, NativeNvmlDevice, NativeNvmlHealth, NativeProbe } from '../native/binding.js';
import { normalizePciBusId } from './pci-address.js';
import type { DriverSnapshot, GpuComputeMode, GpuErrorKind, GpuSnapshot } from './types.js';

/** What NVML said about one GPU's health. */
export interface NvmlGpuHealth {
  health: NativeNvmlHealth;
  /** NVML's own ECC mode (GpuSnapshot.ecc falls back to CUDA's attribute). */
  eccEnabled: boolean | null;
  unsupported: Record<string, string>;
}

/** One GPU as the driver answered for it: what CUDA and NVML said, merged, and NVML's health answers. */
export interface DriverGpu {
  driverFacts: GpuSnapshot;
  /** Null for a GPU NVML does not show. */
  nvml: NvmlGpuHealth | null;
}

export interface GpuFacts {
  driver: DriverSnapshot | null;
  /** One entry per GPU, CUDA's first (in CUDA's order), then those only NVML shows when CUDA is unusable. */
  devices: DriverGpu[];
  gpuError: string | null;
  gpuErrorKind: GpuErrorKind | null;
  nvmlError: string | null;
  missingSymbols: { cuda: string[]; nvml: string[] };
  timedOut: boolean;
}

export interface ProbeGpusOptions {
  cudaLibrary?: string;
  nvmlLibrary?: string;
  /** Give up on a driver that does not answer after this long (default 20 s). */
  timeoutMs?: number;
  /** Re-read a PCIe link below its maximum while keeping the GPU busy (default true). */
  busyPcieReread?: boolean;
}

const CUDA_ERROR_NO_DEVICE = 100;

export const DEFAULT_GPU_TIMEOUT_MS = 20_000;

/** Asks the driver through the addon; a hung driver call turns into a gpuError, never a hang. */
export async function probeGpuFacts(native: NativeProbe, options: ProbeGpusOptions = {}): Promise<GpuFacts> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_GPU_TIMEOUT_MS;
  const nativeOptions = {
    ...(options.cudaLibrary !== undefined ? { cudaLibrary: options.cudaLibrary } : {}),
    ...(options.nvmlLibrary !== undefined ? { nvmlLibrary: options.nvmlLibrary } : {}),
    ...(options.busyPcieReread !== undefined ? { busyPcieReread: options.busyPcieReread } : {}),
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const result = await Promise.race([native.probeGpus(nativeOptions), timeout]);
    if (result === 'timeout') {
      native.abandonGpuProbes();
      const message = `GPU probe timed out after ${timeoutMs} ms in ${native.gpuStage()}: the NVIDIA driver did not answer (hung GPU or driver; check dmesg and nvidia-smi)`;
      return { driver: null, devices: [], gpuError: message, gpuErrorKind: 'timeout', nvmlError: message, missingSymbols: { cuda: [], nvml: [] }, timedOut: true };
    }
    return gpuFactsFromReport(result);
  } finally {
    clearTimeout(timer);
  }
}

/** Merges what CUDA and NVML said into one entry per GPU (matched by UUID, then PCI address). */
export function gpuFactsFromReport(report: NativeGpuReport): GpuFacts {
  const { cuda, nvml } = report;
  const driverAnswered = cuda.loaded || nvml.loaded;
  const cudaVersion = cuda.driverVersion ?? nvml.cudaDriverVersion;
  const driver: DriverSnapshot | null = driverAnswered
    ? { version: nvml.driverVersion, cudaVersion: cudaVersion === null ? null : formatCudaVersion(cudaVersion) }
    : null;
  const unmatchedNvml = [...nvml.devices];
  const pairs: Array<{ cuda: NativeCudaDevice | undefined; nvml: NativeNvmlDevice | undefined }> = cuda.devices.map((device) => {
    const matchIndex = unmatchedNvml.findIndex((candidate) => sameDevice(device, candidate));
    return { cuda: device, nvml: matchIndex >= 0 ? unmatchedNvml.splice(matchIndex, 1)[0] : undefined };
  });
  // With CUDA unusable, NVML still tells which GPUs the node has.
  if (cuda.failure !== null) for (const device of unmatchedNvml) pairs.push({ cuda: undefined, nvml: device });
  return {
    driver,
    devices: pairs.map((pair) => ({
      driverFacts: mergeDevice(pair.cuda, pair.nvml),
      nvml: pair.nvml === undefined ? null : { health: pair.nvml.health, eccEnabled: pair.nvml.eccEnabled, unsupported: pair.nvml.unsupported },
    })),
    gpuError: cuda.failure?.message ?? null,
    gpuErrorKind: cuda.failure === null ? null : cuda.failure.libraryMissing ? 'no-driver' : cuda.failure.code === CUDA_ERROR_NO_DEVICE ? 'no-device' : 'driver-error',
    nvmlError: nvml.failure?.message ?? null,
    missingSymbols: { cuda: cuda.missingSymbols, nvml: nvml.missingSymbols },
    timedOut: false,
  };
}

/** nvmlComputeMode_t by value (nvml.h): 0 DEFAULT, 1 EXCLUSIVE_THREAD (deprecated), 2 PROHIBITED, 3 EXCLUSIVE_PROCESS. */
const COMPUTE_MODES: Readonly<Record<number, GpuComputeMode>> = { 0: 'default', 1: 'exclusive-thread', 2: 'prohibited', 3: 'exclusive-process' };

/** 12040 → "12.4", as cuDriverGetVersion encodes it (1000 * major + 10 * minor). */
export function formatCudaVersion(encoded: number): string {
  return `${Math.floor(encoded / 1000)}.${Math.floor((encoded % 1000) / 10)}`;
}

function sameDevice(cuda: NativeCudaDevice, nvml: NativeNvmlDevice): boolean {
  if (cuda.uuid !== null && nvml.uuid !== null) return cuda.uuid.toLowerCase() === nvml.uuid.toLowerCase();
  if (cuda.pciBusId !== null && nvml.pciBusId !== null) return normalizePciBusId(cuda.pciBusId) === normalizePciBusId(nvml.pciBusId);
  return false;
}

function mergeDevice(cuda: NativeCudaDevice | undefined, nvml: NativeNvmlDevice | undefined): GpuSnapshot {
  const major = cuda?.ccMajor ?? nvml?.ccMajor ?? null;
  const minor = cuda?.ccMinor ?? nvml?.ccMinor ?? null;
  const pciBusId = cuda?.pciBusId ?? nvml?.pciBusId ?? null;
  const cudaEcc = cuda?.eccEnabled === null || cuda?.eccEnabled === undefined ? null : cuda.eccEnabled !== 0;
  return {
    index: cuda?.ordinal ?? nvml?.index ?? 0,
    name: cuda?.name ?? nvml?.name ?? null,
    uuid: cuda?.uuid ?? nvml?.uuid ?? null,
    pciBusId: pciBusId === null ? null : normalizePciBusId(pciBusId),
    computeCapability: major === null || minor === null ? null : { major, minor },
    memoryBytes: cuda?.memoryBytes ?? nvml?.memoryBytes ?? null,
    multiprocessors: cuda?.multiprocessors ?? null,
    ecc: {
      enabled: nvml?.eccEnabled ?? cudaEcc,
      pendingEnabled: nvml?.eccPending ?? null,
      volatileUncorrected: nvml?.eccVolatileUncorrected ?? null,
    },
    pcie: {
      generationCurrent: nvml?.pcieGenCurrent ?? null,
      generationMax: nvml?.pcieGenMax ?? null,
      widthCurrent: nvml?.pcieWidthCurrent ?? null,
      widthMax: nvml?.pcieWidthMax ?? null,
    },
    temperatureC: nvml?.temperatureC ?? null,
    persistenceMode: nvml?.persistenceMode ?? null,
    migMode: nvml?.migCurrent === null || nvml?.migCurrent === undefined ? null : { current: nvml.migCurrent !== 0, pending: (nvml.migPending ?? 0) !== 0 },
    computeMode: COMPUTE_MODES[nvml?.computeMode ?? -1] ?? null,
    seenBy: { cuda: cuda !== undefined, nvml: nvml !== undefined },
    errors: [...(cuda?.errors ?? []), ...(nvml?.errors ?? [])],
  };
}
