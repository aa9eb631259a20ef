import { hostname } from 'node:os';
import { loadNativeProbe, type NativeProbe } from '../native/binding.js';
import { describeError } from '../util/errors.js';
import { readCpuFromProc, readMemTotalFromProc } from './cpuinfo-fallback.js';
import { probeGpuFacts, type GpuFacts } from './gpu.js';
import { evaluateRules } from './rules.js';
import { PROBE_SCHEMA_VERSION, type CpuSnapshot, type ProbeSnapshot } from './types.js';

export type { ProbeSnapshot, CpuSnapshot, GpuSnapshot, Verdict, VerdictStatus, DriverSnapshot, OsEnabledState, GpuErrorKind } from './types.js';
export { PROBE_SCHEMA_VERSION } from './types.js';
export { evaluateRules, type EvaluateRulesOptions } from './rules.js';
export { parsePackageName, type ParsedPackageName, type Accelerator } from './package-name.js';
export { MANUAL_RULES, RULE_FAMILIES, type RuleFamily } from './rules-data.js';
export { MANUAL_PACKAGE_FAMILIES, manualPackageNames, type PackageFamily } from './packages-data.js';
export { DEFAULT_GPU_TIMEOUT_MS } from './gpu.js';

export interface ProbeNodeOptions {
  /** Package names to judge, e.g. cm-pytorch-py37-cuda10.1-gcc. */
  packages?: readonly string[];
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
      gpuError: NO_GPU_FACTS_IN_FALLBACK,
      gpuErrorKind: 'not-probed',
      nvmlError: NO_GPU_FACTS_IN_FALLBACK,
      missingSymbols: { cuda: [], nvml: [] },
      timedOut: false,
    };
  }

  const facts = {
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
  };
  return { ...facts, verdicts: evaluateRules(facts, { packages: options.packages ?? [] }) };
}
