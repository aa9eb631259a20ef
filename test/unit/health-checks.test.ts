/**
 * The GPU health checks (src/probe/health-checks.ts), one table row per fact: a healthy GPU's
 * record changed in that fact, judged in memory, gives this check this status and a detail that
 * says why. No driver, no child process.
 */
import { describe, expect, it } from 'vitest';
import { judgeGpuHealth, type HealthCheckOptions } from '../../src/probe/health-checks.js';
import type { GpuHealthFacts, HealthCheckId, HealthFinding } from '../../src/probe/index.js';
import { gpuRecord, xid, type GpuRecordChanges } from './gpu-records-fixture.js';

const OPTIONS: HealthCheckOptions = {
  thresholds: { retiredPages: { warnAt: 15, failAt: 63, source: 'test' }, remappedRows: { warnAt: 64, source: 'test' } },
  nvmlError: null,
  nvmlMissing: [],
  kernelLogError: null,
  checkProcesses: false,
};

const healthy = gpuRecord(1).health;
const withHealth = (changes: Partial<GpuHealthFacts>): GpuRecordChanges => ({ health: changes });

interface Row {
  what: string;
  check: HealthCheckId;
  record?: GpuRecordChanges;
  options?: Partial<HealthCheckOptions>;
  status: HealthFinding['status'];
  detail: string | RegExp;
}

const ROWS: Row[] = [
  { what: 'a healthy GPU', check: 'gpu-ecc', status: 'pass', detail: 'ECC on, no uncorrectable errors (volatile or aggregate)' },
  { what: 'volatile uncorrectable errors', check: 'gpu-ecc', record: withHealth({ ecc: { ...healthy.ecc, volatileUncorrected: 3 } }), status: 'fail', detail: '3 volatile uncorrectable ECC errors since the driver loaded' },
  { what: 'aggregate uncorrectable errors', check: 'gpu-ecc', record: withHealth({ ecc: { ...healthy.ecc, aggregateUncorrected: 1 } }), status: 'warn', detail: '1 uncorrectable ECC error in its lifetime (aggregate)' },
  { what: 'ECC off', check: 'gpu-ecc', record: withHealth({ ecc: { ...healthy.ecc, enabled: false, pendingEnabled: false } }), status: 'warn', detail: 'ECC is disabled although the GPU supports it' },
  { what: 'an ECC mode change pending', check: 'gpu-ecc', record: withHealth({ ecc: { ...healthy.ecc, pendingEnabled: false } }), status: 'warn', detail: /an ECC mode change is pending \(on -> off/ },
  {
    what: 'a GPU without ECC (NOT_SUPPORTED)',
    check: 'gpu-ecc',
    record: withHealth({ ecc: { ...healthy.ecc, supported: false, enabled: null }, unsupported: { nvmlDeviceGetEccMode: 'NVML_ERROR_NOT_SUPPORTED' } }),
    status: 'skip',
    detail: 'this GPU has no ECC (nvmlDeviceGetEccMode: NVML_ERROR_NOT_SUPPORTED for this GPU)',
  },
  { what: 'retired pages pending', check: 'gpu-memory', record: withHealth({ retiredPages: { singleBit: 2, doubleBit: 0, pending: true } }), status: 'fail', detail: /retired pages are pending/ },
  { what: 'retired pages at the warn threshold', check: 'gpu-memory', record: withHealth({ retiredPages: { singleBit: 15, doubleBit: 0, pending: false } }), status: 'warn', detail: /15 retired pages .*warn from 15/ },
  { what: 'retired pages at the fail threshold', check: 'gpu-memory', record: withHealth({ retiredPages: { singleBit: 60, doubleBit: 3, pending: false } }), status: 'fail', detail: /63 retired pages \(fail from 63\)/ },
  { what: 'a row remapping pending', check: 'gpu-memory', record: withHealth({ remappedRows: { correctable: 0, uncorrectable: 1, pending: true, failure: false } }), status: 'fail', detail: /a row remapping is pending .* after 1 uncorrectable error/ },
  { what: 'a failed row remapping', check: 'gpu-memory', record: withHealth({ remappedRows: { correctable: 0, uncorrectable: 0, pending: false, failure: true } }), status: 'fail', detail: /a row remapping failed/ },
  { what: 'many remapped rows', check: 'gpu-memory', record: withHealth({ remappedRows: { correctable: 64, uncorrectable: 0, pending: false, failure: false } }), status: 'warn', detail: /64 remapped rows/ },
  { what: 'no remapped rows', check: 'gpu-memory', status: 'pass', detail: '0 remapped rows, none pending or failed' },
  { what: 'a link at its maximum', check: 'gpu-pcie', status: 'pass', detail: 'PCIe gen5 x16, its maximum' },
  {
    what: 'fewer lanes while busy',
    check: 'gpu-pcie',
    record: withHealth({ pcie: { generation: { current: 5, busy: 5, max: 5 }, width: { current: 8, busy: 8, max: 16 }, busyNote: null } }),
    status: 'fail',
    detail: /PCIe link at x8 of x16 while busy/,
  },
  {
    what: 'a lower generation while busy',
    check: 'gpu-pcie',
    record: withHealth({ pcie: { generation: { current: 3, busy: 4, max: 5 }, width: { current: 16, busy: 16, max: 16 }, busyNote: null } }),
    status: 'warn',
    detail: /PCIe link at gen4 of gen5 while busy/,
  },
  {
    what: 'a link idled down that climbs back under load',
    check: 'gpu-pcie',
    record: withHealth({ pcie: { generation: { current: 1, busy: 5, max: 5 }, width: { current: 16, busy: 16, max: 16 }, busyNote: null } }),
    status: 'pass',
    detail: 'PCIe gen5 x16, its maximum (reached under load; idle gen1 x16)',
  },
  {
    what: 'a lower generation idle, not re-read under load',
    check: 'gpu-pcie',
    record: withHealth({ pcie: { generation: { current: 1, busy: null, max: 5 }, width: { current: 16, busy: null, max: 16 }, busyNote: 'no CUDA context' } }),
    status: 'skip',
    detail: /while idle .* could not be re-read under load: no CUDA context/,
  },
  { what: 'an idle GPU', check: 'gpu-clocks', status: 'pass', detail: 'no slowdown (GPU idle)' },
  { what: 'a HW power brake held', check: 'gpu-clocks', record: withHealth({ clocks: { reasons: 0x80, held: 0x80, active: ['HW power brake slowdown'] } }), status: 'fail', detail: /HW power brake slowdown active/ },
  { what: 'SW thermal slowdown', check: 'gpu-clocks', record: withHealth({ clocks: { reasons: 0x20, held: 0x20, active: ['SW thermal slowdown'] } }), status: 'warn', detail: /SW thermal slowdown active: the GPU is too hot/ },
  { what: 'a slowdown of the first sample only', check: 'gpu-clocks', record: withHealth({ clocks: { reasons: 0x08, held: 0x00, active: [] } }), status: 'pass', detail: 'no slowdown' },
  { what: 'a corrupted InfoROM', check: 'gpu-inforom', record: withHealth({ inforom: { valid: false } }), status: 'fail', detail: /NVML_ERROR_CORRUPTED_INFOROM/ },
  {
    what: 'an InfoROM check the driver lacks',
    check: 'gpu-inforom',
    record: withHealth({ inforom: { valid: null } }),
    options: { nvmlMissing: ['nvmlDeviceValidateInforom'] },
    status: 'skip',
    detail: /libnvidia-ml.so.1 lacks nvmlDeviceValidateInforom \(NVML_ERROR_FUNCTION_NOT_FOUND/,
  },
  { what: 'no Xid', check: 'gpu-xid', status: 'pass', detail: 'no Xid since boot' },
  { what: 'an Xid of a broken GPU', check: 'gpu-xid', record: withHealth({ xids: [xid(79, '0000:08:00', 1), xid(13, '0000:08:00', 1)] }), status: 'fail', detail: /Xid 79 x1 \(GPU has fallen off the bus; NVIDIA: RESTART_BM\), Xid 13 x1/ },
  { what: 'an application Xid', check: 'gpu-xid', record: withHealth({ xids: [xid(13, '0000:08:00', 1), xid(13, '0000:08:00', 1)] }), status: 'warn', detail: /Xid 13 x2/ },
  { what: 'a kernel log that could not be read', check: 'gpu-xid', options: { kernelLogError: 'EPERM' }, status: 'skip', detail: 'the kernel log could not be read: EPERM' },
  { what: 'persistence mode on', check: 'gpu-persistence', status: 'pass', detail: 'persistence mode on' },
  { what: 'persistence mode off', check: 'gpu-persistence', record: withHealth({ persistenceMode: false }), status: 'warn', detail: 'persistence mode is off' },
  { what: 'no other process (prolog)', check: 'gpu-processes', options: { checkProcesses: true }, status: 'pass', detail: 'no other compute process' },
  {
    what: "another job's process (prolog)",
    check: 'gpu-processes',
    record: withHealth({ processes: [{ pid: 4242, name: 'python3', usedMemoryBytes: 1024 ** 3 }] }),
    options: { checkProcesses: true },
    status: 'fail',
    detail: '1 other compute process on it: PID 4242 python3 (1.0 GiB)',
  },
  {
    what: 'the MPS daemon (prolog)',
    check: 'gpu-processes',
    record: withHealth({ processes: [{ pid: 77, name: 'nvidia-cuda-mps', usedMemoryBytes: null }] }),
    options: { checkProcesses: true },
    status: 'pass',
    detail: 'no other compute process; the MPS daemon PID 77 nvidia-cuda-mps is infrastructure, not a job',
  },
  { what: 'NVML unusable on the node', check: 'gpu-persistence', record: withHealth({ persistenceMode: null }), options: { nvmlError: 'libnvidia-ml.so.1 not found' }, status: 'skip', detail: 'NVML is unusable: libnvidia-ml.so.1 not found' },
  {
    what: 'a GPU NVML does not show',
    check: 'gpu-persistence',
    record: { driverFacts: { seenBy: { cuda: true, nvml: false } }, health: { persistenceMode: null } },
    status: 'skip',
    detail: 'NVML does not show this GPU',
  },
];

describe('judgeGpuHealth: one finding per check, from the GPU record', () => {
  it.each(ROWS)('$check: $what -> $status', ({ check, record, options, status, detail }) => {
    const finding = judgeGpuHealth(gpuRecord(1, record), { ...OPTIONS, ...options })[check];
    expect(finding?.status).toBe(status);
    if (typeof detail === 'string') expect(finding?.detail).toBe(detail);
    else expect(finding?.detail).toMatch(detail);
  });

  it('judges every check on a GPU in scope, gpu-processes only when asked', () => {
    expect(Object.keys(judgeGpuHealth(gpuRecord(0), OPTIONS))).toEqual(['gpu-ecc', 'gpu-memory', 'gpu-pcie', 'gpu-clocks', 'gpu-inforom', 'gpu-xid', 'gpu-persistence']);
    expect(Object.keys(judgeGpuHealth(gpuRecord(0), { ...OPTIONS, checkProcesses: true }))).toContain('gpu-processes');
  });

  it("judges nothing of another job's GPU, whatever its facts", () => {
    const othersGpu = gpuRecord(1, { inJobScope: false, health: { ecc: { ...healthy.ecc, volatileUncorrected: 9 }, processes: [{ pid: 1, name: 'x', usedMemoryBytes: null }] } });
    expect(judgeGpuHealth(othersGpu, { ...OPTIONS, checkProcesses: true })).toEqual({});
  });
});
