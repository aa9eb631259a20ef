import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DriverGpu } from './gpu.js';
import { clockReasonNames } from './health-checks.js';
import type { ComputeProcessInfo, GpuHealthFacts, XidEvent } from './health-types.js';

export interface GpuHealthFactsOptions {
  /** Every Xid of the kernel log, matched to the probed GPUs; this GPU's are those at its index. */
  xids: readonly XidEvent[];
  /** Stands in for /proc when naming a process (MLCHECK_PROCFS_ROOT). */
  procfsRoot: string;
}

/** What NVML and the kernel log say of one GPU's health (its `health[]` entry, before the checks judge it). */
export function gpuHealthFacts(gpu: DriverGpu, options: GpuHealthFactsOptions): GpuHealthFacts {
  const snapshot = gpu.driverFacts;
  const nvml = gpu.nvml;
  const facts = nvml?.health ?? null;
  const unsupported = nvml?.unsupported ?? {};
  const eccUnsupported = unsupported.nvmlDeviceGetEccMode === 'NVML_ERROR_NOT_SUPPORTED';
  const processes = facts?.computeProcesses ?? null;
  return {
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
  };
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
