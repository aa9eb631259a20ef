/**
 * The only module that loads the native addon. It tries each build location in turn (a local
 * build, then the prebuilt binary the package ships for this platform), skipping any file that
 * someone other than root or the invoking user could have changed (checkTrustedPath), and if none
 * loads it throws one error that lists every attempt and how to build the addon.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RequirementError } from '../util/errors.js';
import { packageRoot } from '../util/package-info.js';
import { checkTrustedPath } from '../util/trusted-path.js';

/** The addon's interface version; bumped when the shape of its results changes. */
export const NATIVE_API_VERSION = 5;

export interface NativeOsEnabled {
  osxsave: boolean;
  /** XCR0 as read by xgetbv (0 when OSXSAVE is off). */
  xcr0: number;
  xmm: boolean;
  ymm: boolean;
  zmmOpmask: boolean;
  zmmHi256: boolean;
  zmmHi16: boolean;
  amxTileCfg: boolean;
  amxTile: boolean;
}

export interface NativeCpuFacts {
  vendor: string;
  brand: string;
  family: number;
  model: number;
  stepping: number;
  maxLeaf: number;
  maxExtendedLeaf: number;
  logicalCpus: number;
  osEnabled: NativeOsEnabled;
  /** What cpuid lists, keyed by the /proc/cpuinfo flag name. */
  cpuid: Record<string, boolean>;
  /** Listed by cpuid and its register state enabled by the OS. */
  features: Record<string, boolean>;
}

export interface NativeLibraryFailure {
  library: string;
  function: string | null;
  code: number | null;
  codeName: string | null;
  message: string;
  libraryMissing: boolean;
}

export interface NativeCudaDevice {
  ordinal: number;
  name: string | null;
  uuid: string | null;
  pciBusId: string | null;
  ccMajor: number | null;
  ccMinor: number | null;
  multiprocessors: number | null;
  eccEnabled: number | null;
  memoryBytes: number | null;
  errors: string[];
}

/** Health facts NVML gives per GPU; null where the driver lacks the function or the GPU does not support it. */
export interface NativeNvmlHealth {
  eccAggregateUncorrected: number | null;
  retiredPagesSingleBit: number | null;
  retiredPagesDoubleBit: number | null;
  retiredPagesPending: boolean | null;
  remappedRowsCorrectable: number | null;
  remappedRowsUncorrectable: number | null;
  rowRemapPending: boolean | null;
  rowRemapFailure: boolean | null;
  /** NvmlClocksEventReasons bits of the first sample, and those set in every sample. */
  clocksEventReasons: number | null;
  clocksEventReasonsHeld: number | null;
  /** nvmlDeviceGetCurrentClocksEventReasons, or ...ThrottleReasons on drivers before R535. */
  clocksFunction: string | null;
  inforomValid: boolean | null;
  /** Compute processes on the GPU other than mlcheck itself. */
  computeProcesses: Array<{ pid: number; usedMemoryBytes: number | null }> | null;
  /** The PCIe link re-read while mlcheck kept the GPU busy; null when the link was at its maximum. */
  pcieGenBusy: number | null;
  pcieWidthBusy: number | null;
  /** Why the GPU could not be kept busy for the re-read. */
  pcieBusyNote: string | null;
}

export interface NativeNvmlDevice {
  index: number;
  name: string | null;
  uuid: string | null;
  pciBusId: string | null;
  memoryBytes: number | null;
  ccMajor: number | null;
  ccMinor: number | null;
  eccEnabled: boolean | null;
  eccPending: boolean | null;
  eccVolatileUncorrected: number | null;
  pcieGenCurrent: number | null;
  pcieGenMax: number | null;
  pcieWidthCurrent: number | null;
  pcieWidthMax: number | null;
  temperatureC: number | null;
  persistenceMode: boolean | null;
  migCurrent: number | null;
  migPending: number | null;
  /** nvmlDeviceGetComputeMode: 0 DEFAULT, 1 EXCLUSIVE_THREAD, 2 PROHIBITED, 3 EXCLUSIVE_PROCESS; null when unknown. */
  computeMode: number | null;
  health: NativeNvmlHealth;
  /** NVML functions that answered NOT_SUPPORTED or FUNCTION_NOT_FOUND for this GPU, with that code's name. */
  unsupported: Record<string, string>;
  errors: string[];
}

export interface NativeGpuReport {
  cuda: {
    library: string;
    loaded: boolean;
    failure: NativeLibraryFailure | null;
    driverVersion: number | null;
    missingSymbols: string[];
    devices: NativeCudaDevice[];
  };
  nvml: {
    library: string;
    loaded: boolean;
    failure: NativeLibraryFailure | null;
    driverVersion: string | null;
    cudaDriverVersion: number | null;
    missingSymbols: string[];
    devices: NativeNvmlDevice[];
  };
}

export interface NativeGpuOptions {
  cudaLibrary?: string;
  nvmlLibrary?: string;
  nvml?: boolean;
  /** Re-read a PCIe link below its maximum while keeping the GPU busy (default true). */
  busyPcieReread?: boolean;
}

export interface NativeProbe {
  apiVersion: number;
  /** sha256 of the sources it was built from (native/source-hash.cjs); "unknown" for a build without it. */
  sourcesSha256?: string;
  probeCpu(): NativeCpuFacts;
  totalMemoryBytes(): number;
  /** Runs on its own thread: a hanging driver call blocks neither the event loop nor exit. */
  probeGpus(options?: NativeGpuOptions): Promise<NativeGpuReport>;
  /** The driver call in progress ("cuInit", ...), to name it when a probe times out. */
  gpuStage(): string;
  /** Stops pending GPU probes from keeping the process alive; returns how many were pending. */
  abandonGpuProbes(): number;
  /** prctl(PR_SET_PDEATHSIG): the kernel signals this process when its parent dies; false where unsupported. */
  setParentDeathSignal(signal: number): boolean;
}

export interface LoadNativeOptions {
  /** Paths to try, in order; defaults to the node-gyp and cmake-js build outputs. */
  candidates?: readonly string[];
  /** Loads one candidate; injectable for tests. */
  load?: (file: string) => unknown;
}

const ADDON_FILE = 'mlcheck_native.node';

/**
 * Where the addon may be, in the order tried: node-gyp's Release and Debug builds, cmake-js's,
 * then the prebuilt binary for this platform, libc and Node-API that node-gyp-build picks from
 * prebuilds/. MLCHECK_NATIVE_ADDON names the one file to load instead.
 */
export function defaultAddonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.MLCHECK_NATIVE_ADDON;
  if (override) return [path.resolve(override)];
  const builds = [
    path.join(packageRoot, 'build', 'Release', ADDON_FILE),
    path.join(packageRoot, 'build', 'Debug', ADDON_FILE),
    path.join(packageRoot, 'build-cmake', 'Release', ADDON_FILE),
    path.join(packageRoot, 'build-cmake', ADDON_FILE),
  ];
  const prebuilt = prebuiltAddon();
  return [...builds, ...(prebuilt !== null && !builds.includes(prebuilt) ? [prebuilt] : [])];
}

interface NodeGypBuild {
  resolve(dir: string): string;
}

/** The prebuilt addon that fits this platform, or null (node-gyp-build's own choice of file). */
function prebuiltAddon(): string | null {
  try {
    return path.resolve((createRequire(import.meta.url)('node-gyp-build') as NodeGypBuild).resolve(packageRoot));
  } catch {
    return null;
  }
}

let cached: NativeProbe | undefined;

/** Loads the addon once; throws a RequirementError listing each attempt and the fix. */
export function loadNativeProbe(options: LoadNativeOptions = {}): NativeProbe {
  const useCache = options.candidates === undefined && options.load === undefined && !process.env.MLCHECK_NATIVE_ADDON;
  if (useCache && cached !== undefined) return cached;
  const candidates = options.candidates ?? defaultAddonCandidates();
  const load = options.load ?? createRequire(import.meta.url);
  const attempts: string[] = [];
  const refusals: string[] = [];
  for (const file of candidates) {
    if (!existsSync(file)) {
      attempts.push(`${file}: not found`);
      continue;
    }
    // Loading it runs its code in this process, root's in a health check.
    const trust = checkTrustedPath(file);
    if (!trust.trusted) {
      attempts.push(`${file}: refused: ${trust.problem}`);
      refusals.push(trust.fix);
      continue;
    }
    try {
      const probe = load(file);
      const problem = shapeProblem(probe);
      if (problem !== null) {
        attempts.push(`${file}: ${problem}`);
        continue;
      }
      if (useCache) cached = probe as NativeProbe;
      return probe as NativeProbe;
    } catch (error) {
      attempts.push(`${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  throw new RequirementError(`the native probe addon (${ADDON_FILE}) could not be loaded; tried:\n    ${attempts.join('\n    ')}`, {
    found: attempts.length === 0 ? 'no candidate paths' : `${attempts.length} failed attempts`,
    fix: [
      ...refusals,
      process.env.MLCHECK_NATIVE_ADDON
        ? `MLCHECK_NATIVE_ADDON=${process.env.MLCHECK_NATIVE_ADDON} is the only file tried: unset it to use the package's prebuilt addon or a build`
        : `no prebuilt addon in ${path.join(packageRoot, 'prebuilds')} fits ${process.platform}-${process.arch} here: build it with cd ${path.resolve(packageRoot)} && npm run install, which needs make, a C++ compiler and python3`,
      'or build it with CMake: npm run build:cmake',
      'or point MLCHECK_NATIVE_ADDON at a built mlcheck_native.node (it then is the only file tried)',
    ],
  });
}

function shapeProblem(probe: unknown): string | null {
  if (typeof probe !== 'object' || probe === null) return 'did not export an object';
  const record = probe as Record<string, unknown>;
  for (const name of ['probeCpu', 'totalMemoryBytes', 'probeGpus', 'gpuStage', 'abandonGpuProbes', 'setParentDeathSignal']) {
    if (typeof record[name] !== 'function') return `does not export ${name}() (a stale build? rebuild it)`;
  }
  if (record.apiVersion !== NATIVE_API_VERSION) return `has interface version ${String(record.apiVersion)}, expected ${NATIVE_API_VERSION} (a stale build: rebuild it)`;
  return null;
}
