/**
 * Per-GPU records for the rule tables, built in memory (no driver, no child process): a healthy
 * A100 at 0000:07:00.0 and H100 at 0000:08:00.0, as the fake driver's "healthy" pair, that each
 * row changes in one fact. The node facts beside them are those of a healthy two-GPU node.
 */
import type { GpuHealthFacts, GpuRecord, GpuSnapshot, JobGpu, JobGpuScope, JudgedGpuRecord, PciGpu, ProbeFacts, XidEvent } from '../../src/probe/index.js';

export const A100_UUID = 'GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f';
export const H100_UUID = 'GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f';

export interface GpuRecordChanges {
  index?: number;
  name?: string | null;
  uuid?: string | null;
  pciBusId?: string | null;
  driverFacts?: Partial<GpuSnapshot>;
  health?: Partial<GpuHealthFacts>;
  pciDevice?: PciGpu | null;
  jobGpu?: JobGpu | null;
  inJobScope?: boolean;
}

/** The PCI device of a GPU at this address, bound to the nvidia module. */
export const pciDevice = (address: string, changes: Partial<PciGpu> = {}): PciGpu => ({ address, deviceId: '0x20b0', pciClass: '0x030200', boundDriver: 'nvidia', ...changes });

/** A healthy GPU's record (an A100 at index 0, an H100 at index 1), changed where said. */
export function gpuRecord(position: 0 | 1, changes: GpuRecordChanges = {}): GpuRecord {
  const index = changes.index ?? position;
  const name = changes.name !== undefined ? changes.name : position === 0 ? 'NVIDIA A100-SXM4-40GB' : 'NVIDIA H100 80GB HBM3';
  const uuid = changes.uuid !== undefined ? changes.uuid : position === 0 ? A100_UUID : H100_UUID;
  const pciBusId = changes.pciBusId !== undefined ? changes.pciBusId : position === 0 ? '0000:07:00.0' : '0000:08:00.0';
  const generation = position === 0 ? 4 : 5;
  const driverFacts: GpuSnapshot = {
    index,
    name,
    uuid,
    pciBusId,
    computeCapability: position === 0 ? { major: 8, minor: 0 } : { major: 9, minor: 0 },
    memoryBytes: position === 0 ? 42505273344 : 85520809984,
    multiprocessors: position === 0 ? 108 : 132,
    ecc: { enabled: true, pendingEnabled: true, volatileUncorrected: 0 },
    pcie: { generationCurrent: generation, generationMax: generation, widthCurrent: 16, widthMax: 16 },
    temperatureC: 35,
    persistenceMode: true,
    migMode: { current: false, pending: false },
    computeMode: 'default',
    seenBy: { cuda: true, nvml: true },
    errors: [],
    ...changes.driverFacts,
  };
  const health: GpuHealthFacts = {
    index,
    name,
    uuid,
    pciBusId,
    ecc: { supported: true, enabled: true, pendingEnabled: true, volatileUncorrected: 0, aggregateUncorrected: 0 },
    retiredPages: { singleBit: null, doubleBit: null, pending: null },
    remappedRows: { correctable: 0, uncorrectable: 0, pending: false, failure: false },
    pcie: { generation: { current: generation, busy: null, max: generation }, width: { current: 16, busy: null, max: 16 }, busyNote: null },
    clocks: { reasons: 1, held: 1, active: ['GPU idle'] },
    inforom: { valid: true },
    persistenceMode: true,
    xids: [],
    processes: [],
    unsupported: {},
    ...changes.health,
  };
  return {
    index,
    uuid,
    pciBusId,
    name,
    driverFacts,
    health,
    pciDevice: changes.pciDevice !== undefined ? changes.pciDevice : pciBusId === null ? null : pciDevice(pciBusId),
    jobGpu: changes.jobGpu ?? null,
    inJobScope: changes.inJobScope ?? true,
  };
}

/** A record with its checks' findings, as the verdicts read it. */
export const judged = (record: GpuRecord, checks: JudgedGpuRecord['checks'] = {}): JudgedGpuRecord => ({ ...record, checks });

/** The facts of a healthy node with these GPUs: both on PCI, the nvidia module loaded, the driver answering, the kernel log read. */
export function nodeFacts(gpus: GpuRecord[], changes: Partial<ProbeFacts> = {}): ProbeFacts {
  return {
    source: 'native',
    fallbackReason: null,
    hostname: 'node001',
    cpu: {
      vendor: 'GenuineIntel', brand: 'Intel(R) Xeon(R) Platinum 8380', family: 6, model: 106, stepping: 6, logicalCpus: 8,
      features: { sse4_2: true, avx: true, avx2: true, fma: true, avx512f: true, avx512_vnni: true },
      cpuid: { sse4_2: true, avx: true, avx2: true, fma: true, avx512f: true, avx512_vnni: true },
      osEnabled: { osxsave: true, xmm: true, ymm: true, zmmOpmask: true, zmmHi256: true, zmmHi16: true, amxTile: false },
    },
    memory: { totalBytes: 64 * 1024 ** 3 },
    driver: { version: '550.54.15', cudaVersion: '12.4' },
    gpus,
    gpuError: null,
    gpuErrorKind: null,
    gpuTimedOut: false,
    nvmlError: null,
    missingSymbols: { cuda: [], nvml: [] },
    pci: { devices: gpus.flatMap((gpu) => (gpu.pciDevice === null ? [] : [gpu.pciDevice])), error: null },
    kernelModule: { loaded: true, version: '550.54.15', error: null },
    jobScope: null,
    packages: { judged: [], required: [], installed: null },
    kernelLog: { source: 'MLCHECK_KMSG=test', error: null, xids: [] },
    engineCudaNeeds: null,
    gpuProcessesChecked: false,
    ...changes,
  };
}

/** A job scope of these GPUs, each named as Slurm names it (its device minor), matched by device minors. */
export function jobScope(gpus: ReadonlyArray<Pick<JobGpu, 'name' | 'pciBusId' | 'uuid' | 'gpuIndex'>>, changes: Partial<JobGpuScope> = {}): JobGpuScope {
  return {
    source: 'SLURM_JOB_GPUS',
    value: gpus.map((gpu) => gpu.name).join(','),
    count: gpus.length,
    names: gpus.map((gpu) => gpu.name),
    gpus: gpus.map((gpu) => ({ ...gpu })),
    matchedBy: 'device minor numbers from /proc/driver/nvidia/gpus/<address>/information',
    cudaVisibleDevices: null,
    ...changes,
  };
}

/** An Xid of the kernel log, as classifyXids gives it (NVIDIA's catalogue: 79 fails, 13 warns). */
export function xid(code: 79 | 13 | 48, pciAddress: string, gpuIndex: number | null, uuid: string | null = null): XidEvent {
  const meanings = {
    79: { mnemonic: 'GPU_HAS_FALLEN_OFF_THE_BUS', meaning: 'GPU has fallen off the bus', action: 'RESTART_BM', severity: 'fail' },
    48: { mnemonic: 'DBE', meaning: 'Double Bit ECC Error', action: 'RESET_GPU', severity: 'fail' },
    13: { mnemonic: 'GR_EXCEPTION', meaning: 'Graphics Engine Exception', action: 'IGNORE', severity: 'warn' },
  } as const;
  const meaning = meanings[code];
  return { code, pciAddress, uuid, gpuIndex, message: 'pid=1234', secondsSinceBoot: 12.5, ...meaning };
}
