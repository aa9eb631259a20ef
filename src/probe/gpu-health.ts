import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GpuFacts } from './gpu.js';
import type { GpuSnapshot } from './types.js';
import {
  clockReasonNames,
  judgeClocks,
  judgeEcc,
  judgeInforom,
  judgeMemory,
  judgePcie,
  judgePersistence,
  judgeProcesses,
  judgeXids,
  type GpuCheckContext,
} from './health-checks.js';
import type { ComputeProcessInfo, GpuHealth, XidEvent } from './health-types.js';
import type { HealthThresholds } from './health-thresholds.js';

export interface GpuHealthOptions {
  thresholds: HealthThresholds;
  /** Every Xid of the kernel log, matched to the probed GPUs. */
  xids: readonly XidEvent[];
  kernelLogError: string | null;
  /** Judge the processes on the GPUs (a Slurm prolog: the job's GPUs must be free). */
  checkProcesses: boolean;
  /** Stands in for /proc when naming a process (MLCHECK_PROCFS_ROOT). */
  procfsRoot: string;
  /** Whether a GPU is judged: inside a job only its own are (default every GPU). Another's facts are reported, not judged. */
  judged?: (gpu: GpuSnapshot) => boolean;
}

/** One health entry per probed GPU: what NVML and the kernel log say about it, and each judged GPU's finding per check. */
export function buildGpuHealth(gpu: GpuFacts, options: GpuHealthOptions): GpuHealth[] {
  return gpu.gpus.map((snapshot, position) => {
    const nvml = gpu.nvmlHealth[position] ?? null;
    const facts = nvml?.health ?? null;
    const unsupported = nvml?.unsupported ?? {};
    const eccUnsupported = unsupported.nvmlDeviceGetEccMode === 'NVML_ERROR_NOT_SUPPORTED';
    const processes = facts?.computeProcesses ?? null;
    const entry: GpuHealth = {
      index: snapshot.index,
      name: snapshot.name,
      uuid: snapshot.uuid,
      pciBusId: snapshot.pciBusId,
      ecc: {
        supported: eccUnsupported ? false : (nvml?.eccEnabled ?? null) === null ? null : true,
        enabled: nvml?.eccEnabled ?? null,
        pendingEnabled: snapshot.ecc.pendingEnabled,
        volatileUncorrected: snapshot.ecc.volatileUncorrected,
        aggregateUncorrected: facts?.eccAggregateUncorrected ?? null,
      },
      retiredPages: { singleBit: facts?.retiredPagesSingleBit ?? null, doubleBit: facts?.retiredPagesDoubleBit ?? null, pending: facts?.retiredPagesPending ?? null },
      remappedRows: {
        correctable: facts?.remappedRowsCorrectable ?? null,
        uncorrectable: facts?.remappedRowsUncorrectable ?? null,
        pending: facts?.rowRemapPending ?? null,
        failure: facts?.rowRemapFailure ?? null,
      },
      pcie: {
        generation: { current: snapshot.pcie.generationCurrent, busy: facts?.pcieGenBusy ?? null, max: snapshot.pcie.generationMax },
        width: { current: snapshot.pcie.widthCurrent, busy: facts?.pcieWidthBusy ?? null, max: snapshot.pcie.widthMax },
        busyNote: facts?.pcieBusyNote ?? null,
      },
      clocks: {
        reasons: facts?.clocksEventReasons ?? null,
        held: facts?.clocksEventReasonsHeld ?? null,
        active: clockReasonNames(facts?.clocksEventReasonsHeld ?? facts?.clocksEventReasons ?? null),
      },
      inforom: { valid: facts?.inforomValid ?? null },
      persistenceMode: snapshot.persistenceMode,
      xids: options.xids.filter((event) => event.gpuIndex === snapshot.index),
      processes: processes === null ? null : processes.map((process) => describeProcess(process, options.procfsRoot)),
      unsupported,
      checks: {},
    };
    if (options.judged !== undefined && !options.judged(snapshot)) return entry;
    const context: GpuCheckContext = {
      thresholds: options.thresholds,
      nvmlMissing: gpu.missingSymbols.nvml,
      nvmlUnavailable: nvmlUnavailable(gpu, snapshot.seenBy.nvml),
      kernelLogError: options.kernelLogError,
    };
    entry.checks = {
      'gpu-ecc': judgeEcc(entry, context),
      'gpu-memory': judgeMemory(entry, context),
      'gpu-pcie': judgePcie(entry, context),
      'gpu-clocks': judgeClocks(entry, context),
      'gpu-inforom': judgeInforom(entry, context),
      'gpu-xid': judgeXids(entry, context),
      'gpu-persistence': judgePersistence(entry, context),
      ...(options.checkProcesses ? { 'gpu-processes': judgeProcesses(entry, context) } : {}),
    };
    return entry;
  });
}

function nvmlUnavailable(gpu: GpuFacts, seenByNvml: boolean): string | null {
  if (gpu.nvmlError !== null) return `NVML is unusable: ${gpu.nvmlError}`;
  if (!seenByNvml) return 'NVML does not show this GPU';
  return null;
}

function describeProcess(process: { pid: number; usedMemoryBytes: number | null }, procfsRoot: string): ComputeProcessInfo {
  let name: string | null = null;
  try {
    name = readFileSync(path.join(procfsRoot, String(process.pid), 'comm'), 'utf8').trim() || null;
  } catch {
    // The process may have ended, or live in another PID namespace: its PID is still named.
  }
  return { pid: process.pid, name, usedMemoryBytes: process.usedMemoryBytes };
}
