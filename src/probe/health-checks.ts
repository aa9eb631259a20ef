/**
 * Each health check for one GPU, as `dcgmi diag -r 1` and NHC's GPU checks judge it, from the
 * facts of its record (src/probe/gpu-records.ts). NOT_SUPPORTED and a function the driver lacks
 * are answers: the check is skipped with that reason, never failed.
 */
import type { ComputeProcessInfo, GpuChecks, GpuHealthFacts, HealthFinding, XidEvent } from './health-types.js';
import type { HealthThresholds } from './health-thresholds.js';
import type { GpuRecord } from './types.js';

/** What the checks read beside the GPU's record: the node's facts and the thresholds. */
export interface HealthCheckOptions {
  thresholds: HealthThresholds;
  /** Why NVML is unusable on this node (`nvmlError`); null when it answered. */
  nvmlError: string | null;
  /** NVML functions the driver library lacks (missingSymbols.nvml). */
  nvmlMissing: readonly string[];
  /** Why the kernel log could not be read; null when it was. */
  kernelLogError: string | null;
  /** Judge the processes on the GPUs (a Slurm prolog: the job's GPUs must be free). */
  checkProcesses: boolean;
}

/**
 * Each health check's finding for one GPU. A GPU outside the job's scope gets none: inside a job
 * only its own GPUs are judged; another job's are reported, not judged.
 */
export function judgeGpuHealth(gpu: GpuRecord, options: HealthCheckOptions): GpuChecks {
  if (!gpu.inJobScope) return {};
  const context: GpuCheckContext = {
    thresholds: options.thresholds,
    nvmlMissing: options.nvmlMissing,
    nvmlUnavailable: options.nvmlError !== null ? `NVML is unusable: ${options.nvmlError}` : gpu.driverFacts.seenBy.nvml ? null : 'NVML does not show this GPU',
    kernelLogError: options.kernelLogError,
  };
  const facts = gpu.health;
  return {
    'gpu-ecc': judgeEcc(facts, context),
    'gpu-memory': judgeMemory(facts, context),
    'gpu-pcie': judgePcie(facts, context),
    'gpu-clocks': judgeClocks(facts, context),
    'gpu-inforom': judgeInforom(facts, context),
    'gpu-xid': judgeXids(facts, context),
    'gpu-persistence': judgePersistence(facts, context),
    ...(options.checkProcesses ? { 'gpu-processes': judgeProcesses(facts, context) } : {}),
  };
}

export interface GpuCheckContext {
  thresholds: HealthThresholds;
  /** NVML functions the driver library lacks (missingSymbols.nvml). */
  nvmlMissing: readonly string[];
  /** Why NVML gave nothing for this GPU (NVML unusable, or it does not show this GPU); null when it did. */
  nvmlUnavailable: string | null;
  /** Why the kernel log could not be read; null when it was. */
  kernelLogError: string | null;
}

const pass = (detail: string): HealthFinding => ({ status: 'pass', detail });
const warn = (detail: string): HealthFinding => ({ status: 'warn', detail });
const fail = (detail: string): HealthFinding => ({ status: 'fail', detail });
const skip = (detail: string): HealthFinding => ({ status: 'skip', detail });

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** Why NVML has no answer for these functions on this GPU: a missing function, NOT_SUPPORTED, or an error. */
function unanswered(gpu: GpuHealthFacts, context: GpuCheckContext, functions: readonly string[]): string {
  if (context.nvmlUnavailable !== null) return context.nvmlUnavailable;
  const answers = Object.entries(gpu.unsupported).filter(([name]) => functions.some((fn) => name === fn || name.startsWith(`${fn}(`)));
  if (answers.length > 0) return `${answers.map(([name, code]) => `${name}: ${code}`).join(', ')} for this GPU`;
  const missing = functions.filter((name) => context.nvmlMissing.includes(name));
  if (missing.length > 0) return `libnvidia-ml.so.1 lacks ${missing.join(' and ')} (NVML_ERROR_FUNCTION_NOT_FOUND: a driver older than this function)`;
  return `NVML did not answer ${functions.join(' / ')} (see gpus[].errors)`;
}

/** gpu-ecc: volatile uncorrectable errors fail; aggregate ones, ECC off or a pending mode change warn. */
export function judgeEcc(gpu: GpuHealthFacts, context: GpuCheckContext): HealthFinding {
  const ecc = gpu.ecc;
  if (ecc.supported === false) return skip(`this GPU has no ECC (${unanswered(gpu, context, ['nvmlDeviceGetEccMode'])})`);
  if (ecc.enabled === null) return skip(unanswered(gpu, context, ['nvmlDeviceGetEccMode']));
  if ((ecc.volatileUncorrected ?? 0) > 0) return fail(`${plural(ecc.volatileUncorrected ?? 0, 'volatile uncorrectable ECC error')} since the driver loaded`);
  const notes: string[] = [];
  if ((ecc.aggregateUncorrected ?? 0) > 0) notes.push(`${plural(ecc.aggregateUncorrected ?? 0, 'uncorrectable ECC error')} in its lifetime (aggregate)`);
  if (!ecc.enabled) notes.push('ECC is disabled although the GPU supports it');
  if (ecc.pendingEnabled !== null && ecc.pendingEnabled !== ecc.enabled) notes.push(`an ECC mode change is pending (${ecc.enabled ? 'on' : 'off'} -> ${ecc.pendingEnabled ? 'on' : 'off'} at the next reset)`);
  if (notes.length > 0) return warn(notes.join('; '));
  return pass(`ECC on, no uncorrectable errors${ecc.aggregateUncorrected === null ? '' : ' (volatile or aggregate)'}`);
}

/** gpu-memory: retired pages (before Ampere) and remapped rows (Ampere and later). */
export function judgeMemory(gpu: GpuHealthFacts, context: GpuCheckContext): HealthFinding {
  const { retiredPages: retired, remappedRows: rows } = gpu;
  const { thresholds } = context;
  const retiredTotal = retired.singleBit === null && retired.doubleBit === null ? null : (retired.singleBit ?? 0) + (retired.doubleBit ?? 0);
  const rowsTotal = rows.correctable === null && rows.uncorrectable === null ? null : (rows.correctable ?? 0) + (rows.uncorrectable ?? 0);
  if (retiredTotal === null && retired.pending === null && rowsTotal === null && rows.pending === null && rows.failure === null) {
    return skip(unanswered(gpu, context, ['nvmlDeviceGetRetiredPages', 'nvmlDeviceGetRetiredPagesPendingStatus', 'nvmlDeviceGetRemappedRows']));
  }
  const failures: string[] = [];
  const warnings: string[] = [];
  if (retired.pending === true) failures.push('retired pages are pending (a GPU reset or reboot retires them)');
  if (rows.pending === true) failures.push(`a row remapping is pending (a GPU reset applies it)${(rows.uncorrectable ?? 0) > 0 ? ` after ${plural(rows.uncorrectable ?? 0, 'uncorrectable error')}` : ''}`);
  if (rows.failure === true) failures.push('a row remapping failed (NVIDIA\'s RMA criterion)');
  if (retiredTotal !== null && retiredTotal >= thresholds.retiredPages.failAt) failures.push(`${plural(retiredTotal, 'retired page')} (fail from ${thresholds.retiredPages.failAt})`);
  else if (retiredTotal !== null && retiredTotal >= thresholds.retiredPages.warnAt) warnings.push(`${plural(retiredTotal, 'retired page')} (${retired.singleBit ?? 0} for single-bit, ${retired.doubleBit ?? 0} for double-bit errors; warn from ${thresholds.retiredPages.warnAt})`);
  if (rowsTotal !== null && rowsTotal >= thresholds.remappedRows.warnAt) warnings.push(`${plural(rowsTotal, 'remapped row')} (${rows.correctable ?? 0} correctable, ${rows.uncorrectable ?? 0} uncorrectable; warn from ${thresholds.remappedRows.warnAt})`);
  if (failures.length > 0) return fail([...failures, ...warnings].join('; '));
  if (warnings.length > 0) return warn(warnings.join('; '));
  const seen = [retiredTotal === null ? null : plural(retiredTotal, 'retired page'), rowsTotal === null ? null : plural(rowsTotal, 'remapped row')].filter((part) => part !== null);
  return pass(`${seen.join(', ')}, none pending or failed`);
}

const link = (generation: number | null, width: number | null) => `gen${generation ?? '?'} x${width ?? '?'}`;

/**
 * gpu-pcie: fewer lanes than the maximum fail, a lower generation warns. Links idle down to
 * save power, so a link below its maximum is judged on the reading taken while the GPU was busy.
 */
export function judgePcie(gpu: GpuHealthFacts, context: GpuCheckContext): HealthFinding {
  const { generation, width, busyNote } = gpu.pcie;
  if (generation.current === null || generation.max === null || width.current === null || width.max === null) {
    return skip(unanswered(gpu, context, ['nvmlDeviceGetCurrPcieLinkGeneration', 'nvmlDeviceGetMaxPcieLinkGeneration', 'nvmlDeviceGetCurrPcieLinkWidth', 'nvmlDeviceGetMaxPcieLinkWidth']));
  }
  const busy = generation.busy !== null && width.busy !== null;
  const gen = busy ? Math.max(generation.busy ?? 0, generation.current) : generation.current;
  const lanes = busy ? Math.max(width.busy ?? 0, width.current) : width.current;
  const max = link(generation.max, width.max);
  const idle = link(generation.current, width.current);
  const notBusy = busyNote ?? 'the GPU was not kept busy for a re-read';
  if (lanes < width.max) {
    return busy
      ? fail(`PCIe link at x${lanes} of x${width.max} while busy (${link(gen, lanes)}, max ${max})`)
      : warn(`PCIe link at x${lanes} of x${width.max} while idle (max ${max}); not confirmed under load: ${notBusy}`);
  }
  if (gen < generation.max) {
    return busy
      ? warn(`PCIe link at gen${gen} of gen${generation.max} while busy (idle ${idle}, max ${max})`)
      : skip(`PCIe link at gen${gen} of gen${generation.max} while idle (links idle down to save power), and it could not be re-read under load: ${notBusy}`);
  }
  return pass(`PCIe ${link(gen, lanes)}, its maximum${busy && idle !== link(gen, lanes) ? ` (reached under load; idle ${idle})` : ''}`);
}

/** NvmlClocksEventReasons bits (NVML API Reference, NvmlClocksEventReasons), by what they mean. */
const CLOCK_REASONS: ReadonlyArray<{ bit: number; name: string; severity: 'fail' | 'warn' | 'info' }> = [
  { bit: 0x08, name: 'HW slowdown', severity: 'fail' },
  { bit: 0x40, name: 'HW thermal slowdown', severity: 'fail' },
  { bit: 0x80, name: 'HW power brake slowdown', severity: 'fail' },
  { bit: 0x20, name: 'SW thermal slowdown', severity: 'warn' },
  { bit: 0x04, name: 'SW power cap', severity: 'info' },
  { bit: 0x01, name: 'GPU idle', severity: 'info' },
  { bit: 0x02, name: 'applications clocks setting', severity: 'info' },
  { bit: 0x10, name: 'sync boost', severity: 'info' },
  { bit: 0x100, name: 'display clock setting', severity: 'info' },
];

/** Names of the reasons set in a NvmlClocksEventReasons bit mask. */
export function clockReasonNames(mask: number | null): string[] {
  if (mask === null) return [];
  return CLOCK_REASONS.filter((reason) => (mask & reason.bit) !== 0).map((reason) => reason.name);
}

/** gpu-clocks: a hardware slowdown (HW, HW thermal, HW power brake) held over the samples fails; SW thermal warns. */
export function judgeClocks(gpu: GpuHealthFacts, context: GpuCheckContext): HealthFinding {
  const { reasons, held } = gpu.clocks;
  if (reasons === null) return skip(unanswered(gpu, context, ['nvmlDeviceGetCurrentClocksEventReasons', 'nvmlDeviceGetCurrentClocksThrottleReasons']));
  const active = held ?? reasons;
  const named = (severity: 'fail' | 'warn' | 'info') => CLOCK_REASONS.filter((reason) => reason.severity === severity && (active & reason.bit) !== 0).map((reason) => reason.name);
  const hardware = named('fail');
  const thermal = named('warn');
  const other = named('info');
  if (hardware.length > 0) return fail(`${hardware.join(', ')} active${thermal.length > 0 ? `, with ${thermal.join(', ')}` : ''}: clocks cut by half or more`);
  if (thermal.length > 0) return warn(`${thermal.join(', ')} active: the GPU is too hot`);
  return pass(`no slowdown${other.length > 0 ? ` (${other.join(', ')})` : ''}`);
}

/** gpu-inforom: nvmlDeviceValidateInforom. */
export function judgeInforom(gpu: GpuHealthFacts, context: GpuCheckContext): HealthFinding {
  if (gpu.inforom.valid === false) return fail('nvmlDeviceValidateInforom: NVML_ERROR_CORRUPTED_INFOROM (its checksums do not match)');
  if (gpu.inforom.valid === true) return pass('InfoROM checksums valid');
  return skip(unanswered(gpu, context, ['nvmlDeviceValidateInforom']));
}

/** gpu-persistence: off warns (the driver then unloads and reinitialises the GPU between jobs). */
export function judgePersistence(gpu: GpuHealthFacts, context: GpuCheckContext): HealthFinding {
  if (gpu.persistenceMode === false) return warn('persistence mode is off');
  if (gpu.persistenceMode === true) return pass('persistence mode on');
  return skip(unanswered(gpu, context, ['nvmlDeviceGetPersistenceMode']));
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/**
 * The MPS control daemon and server are infrastructure, not another job: /proc/<pid>/comm holds
 * at most 15 characters, so nvidia-cuda-mps-control and nvidia-cuda-mps-server both read "nvidia-cuda-mps".
 */
const MPS_DAEMON = /^nvidia-cuda-mps/;

/** gpu-processes (Slurm prolog): any other compute process on the job's GPU fails; an MPS daemon is named, never failed. */
export function judgeProcesses(gpu: GpuHealthFacts, context: GpuCheckContext): HealthFinding {
  if (gpu.processes === null) return skip(unanswered(gpu, context, ['nvmlDeviceGetComputeRunningProcesses_v3', 'nvmlDeviceGetComputeRunningProcesses']));
  const listed = (processes: readonly ComputeProcessInfo[]) =>
    processes.map((process) => `PID ${process.pid}${process.name === null ? '' : ` ${process.name}`}${process.usedMemoryBytes === null ? '' : ` (${gib(process.usedMemoryBytes)})`}`).join(', ');
  const daemons = gpu.processes.filter((process) => process.name !== null && MPS_DAEMON.test(process.name));
  const others = gpu.processes.filter((process) => !daemons.includes(process));
  const mps = daemons.length > 0 ? `; the MPS daemon ${listed(daemons)} is infrastructure, not a job` : '';
  if (others.length === 0) return pass(`no other compute process${mps}`);
  return fail(`${plural(others.length, 'other compute process')} on it: ${listed(others)}${mps}`);
}

/** "Xid 79 x1 (GPU has fallen off the bus; NVIDIA: RESTART_BM)", one entry per code, in order of appearance. */
export function describeXids(events: readonly XidEvent[]): string {
  const byCode = new Map<number, { event: XidEvent; count: number }>();
  for (const event of events) {
    const entry = byCode.get(event.code);
    if (entry === undefined) byCode.set(event.code, { event, count: 1 });
    else {
      entry.count += 1;
      if (event.severity === 'fail') entry.event = event;
    }
  }
  return [...byCode.values()].map(({ event, count }) => `Xid ${event.code} x${count} (${event.meaning}${event.action === null ? '' : `; NVIDIA: ${event.action}`})`).join(', ');
}

/** gpu-xid for one GPU: an Xid that means a broken GPU fails, any other is listed as a warning. */
export function judgeXids(gpu: GpuHealthFacts, context: GpuCheckContext): HealthFinding {
  if (context.kernelLogError !== null) return skip(`the kernel log could not be read: ${context.kernelLogError}`);
  if (gpu.xids.length === 0) return pass('no Xid since boot');
  const detail = describeXids(gpu.xids);
  return gpu.xids.some((event) => event.severity === 'fail') ? fail(detail) : warn(detail);
}
