/** GPU health as `mlcheck probe --json` reports it: one entry per GPU in `health`, and the kernel log's Xids. */
import type { VerdictStatus } from './verdict-status.js';

/** The health checks, in the order their verdicts appear. */
export const HEALTH_CHECKS = [
  'gpu-ecc',
  'gpu-memory',
  'gpu-pcie',
  'gpu-clocks',
  'gpu-inforom',
  'gpu-xid',
  'gpu-driver-compat',
  'gpu-persistence',
  'gpu-processes',
] as const;
export type HealthCheckId = (typeof HEALTH_CHECKS)[number];

/** One check's result for one GPU. */
export interface HealthFinding {
  status: VerdictStatus;
  /** What was seen, e.g. "3 volatile uncorrectable ECC errors", or why it was skipped. */
  detail: string;
}

/** Whether an Xid means a broken GPU (`fail`) or is reported for the operator (`warn`). */
export type XidSeverity = 'fail' | 'warn';

/** One Xid line of the kernel log. */
export interface XidEvent {
  code: number;
  /** "0000:3b:00" as the driver writes it (domain:bus:device); null when the line names none. */
  pciAddress: string | null;
  /** The GPU's UUID from the driver's "NVRM: GPU at PCI:... GPU-..." line, when the log has one. */
  uuid: string | null;
  /** The CUDA index of the probed GPU at that address; null when no probed GPU is there. */
  gpuIndex: number | null;
  /** The text after the code, continuation lines included. */
  message: string;
  /** Seconds since boot, when the log says. */
  secondsSinceBoot: number | null;
  mnemonic: string | null;
  meaning: string;
  /** NVIDIA's "Resolution Bucket (Immediate Action)", e.g. RESET_GPU. */
  action: string | null;
  severity: XidSeverity;
}

export interface KernelLogSummary {
  /** Where the log was read: "/dev/kmsg", "journalctl -k -b", or "MLCHECK_KMSG=<file>". */
  source: string | null;
  /** Why it could not be read; null when it was. */
  error: string | null;
  /** Every Xid since boot, oldest first (at most 500). */
  xids: XidEvent[];
}

export interface ComputeProcessInfo {
  pid: number;
  /** From /proc/<pid>/comm, when readable. */
  name: string | null;
  usedMemoryBytes: number | null;
}

/** What an installed engine needs of the driver, e.g. @tensorflow/tfjs-node-gpu: CUDA 11.2. */
export interface EngineCudaNeed {
  /** e.g. "@tensorflow/tfjs-node-gpu 4.22.0", "onnxruntime-node 1.30.0 CUDA execution provider". */
  engine: string;
  /** The CUDA version its build needs, e.g. "11.2". */
  cudaVersion: string;
}

/** What NVML and the kernel log say of one GPU's health: its `health[]` entry without the checks. */
export interface GpuHealthFacts {
  index: number;
  name: string | null;
  uuid: string | null;
  pciBusId: string | null;
  ecc: {
    /** False when the GPU has no ECC (NOT_SUPPORTED); null when not known. */
    supported: boolean | null;
    enabled: boolean | null;
    pendingEnabled: boolean | null;
    volatileUncorrected: number | null;
    aggregateUncorrected: number | null;
  };
  /** Dynamic page retirement (GPUs before Ampere). */
  retiredPages: { singleBit: number | null; doubleBit: number | null; pending: boolean | null };
  /** Row remapping (Ampere and later). */
  remappedRows: { correctable: number | null; uncorrectable: number | null; pending: boolean | null; failure: boolean | null };
  pcie: {
    generation: { current: number | null; busy: number | null; max: number | null };
    width: { current: number | null; busy: number | null; max: number | null };
    /** Why the link could not be re-read under load, when it was below its maximum. */
    busyNote: string | null;
  };
  clocks: {
    /** NvmlClocksEventReasons bits of the first sample, and those held in every sample. */
    reasons: number | null;
    held: number | null;
    /** Names of the held reasons, e.g. ["HW power brake slowdown"]. */
    active: string[];
  };
  inforom: { valid: boolean | null };
  persistenceMode: boolean | null;
  xids: XidEvent[];
  /** Compute processes other than mlcheck; null when NVML could not list them. */
  processes: ComputeProcessInfo[] | null;
  /** NVML functions that answered NOT_SUPPORTED or FUNCTION_NOT_FOUND for this GPU. */
  unsupported: Record<string, string>;
}

/** Each check's finding for one GPU; empty for a GPU that is not judged (another job's). */
export type GpuChecks = Partial<Record<HealthCheckId, HealthFinding>>;

/** One GPU's entry in the probe's `health` array (schema/probe-health.schema.json). */
export interface GpuHealth extends GpuHealthFacts {
  checks: GpuChecks;
}
