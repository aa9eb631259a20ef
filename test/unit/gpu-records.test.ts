/**
 * One record per GPU (src/probe/gpu-records.ts): built from what the driver answered for each GPU,
 * the PCI bus, the job's scope and the kernel log; published as `gpus[]` and `health[]`; read back
 * by identity. And the probe judged once (src/probe/judge.ts): a node class matched on the facts
 * is judged with them, in the published shape. In memory: no driver, no child process.
 */
import { describe, expect, it } from 'vitest';
import type { DriverGpu, NvmlGpuHealth } from '../../src/probe/gpu.js';
import { buildGpuRecords } from '../../src/probe/gpu-records.js';
import { gpuRecordsOf, judgeProbe } from '../../src/probe/index.js';
import { matchNodeClass } from '../../src/references/node-class.js';
import type { NodeReferenceFile } from '../../src/references/node-references.js';
import { A100_UUID, H100_UUID, gpuRecord, jobScope, nodeFacts, pciDevice, xid } from './gpu-records-fixture.js';

const THRESHOLDS = { retiredPages: { warnAt: 15, failAt: 63, source: 'test' }, remappedRows: { warnAt: 64, source: 'test' } };

const NVML_HEALTHY: NvmlGpuHealth = {
  health: {
    eccAggregateUncorrected: 0, retiredPagesSingleBit: null, retiredPagesDoubleBit: null, retiredPagesPending: null,
    remappedRowsCorrectable: 0, remappedRowsUncorrectable: 0, rowRemapPending: false, rowRemapFailure: false,
    clocksEventReasons: 1, clocksEventReasonsHeld: 1, clocksFunction: 'nvmlDeviceGetCurrentClocksEventReasons', inforomValid: true,
    computeProcesses: [], pcieGenBusy: null, pcieWidthBusy: null, pcieBusyNote: null,
  },
  eccEnabled: true,
  unsupported: {},
};

/** What the driver answered: the A100 as healthy, the H100 with 3 volatile ECC errors, and a third GPU NVML does not show. */
function driverAnswers(): DriverGpu[] {
  const a100 = gpuRecord(0).driverFacts;
  const h100 = { ...gpuRecord(1).driverFacts, ecc: { enabled: true, pendingEnabled: true, volatileUncorrected: 3 } };
  const third = { ...gpuRecord(0, { index: 2, uuid: 'GPU-third', pciBusId: '0000:09:00.0' }).driverFacts, seenBy: { cuda: true, nvml: false } };
  return [
    { driverFacts: a100, nvml: NVML_HEALTHY },
    { driverFacts: h100, nvml: { ...NVML_HEALTHY, health: { ...NVML_HEALTHY.health, computeProcesses: [{ pid: 4242, usedMemoryBytes: 1024 }] } } },
    { driverFacts: third, nvml: null },
  ];
}
const PCI = { devices: [pciDevice('0000:07:00.0'), pciDevice('0000:08:00.0'), pciDevice('0000:09:00.0')], error: null };

describe('buildGpuRecords: one record per GPU', () => {
  it("carries each GPU's identity, driver facts, health facts and PCI device together, whatever NVML shows of the others", () => {
    const xids = [xid(13, '0000:08:00', 1), xid(79, '0000:3b:00', null)];
    const records = buildGpuRecords(driverAnswers(), { pci: PCI, jobScope: null, xids, procfsRoot: '/nonexistent' });
    expect(records.map((gpu) => [gpu.index, gpu.pciBusId, gpu.uuid, gpu.pciDevice?.address, gpu.inJobScope])).toEqual([
      [0, '0000:07:00.0', A100_UUID, '0000:07:00.0', true],
      [1, '0000:08:00.0', H100_UUID, '0000:08:00.0', true],
      [2, '0000:09:00.0', 'GPU-third', '0000:09:00.0', true],
    ]);
    const [a100, h100, third] = records;
    expect(h100!.health).toMatchObject({ index: 1, uuid: H100_UUID, ecc: { supported: true, enabled: true, volatileUncorrected: 3 }, processes: [{ pid: 4242, name: null, usedMemoryBytes: 1024 }] });
    expect(h100!.health.xids.map((event) => event.code)).toEqual([13]);
    expect(a100!.health.xids).toEqual([]);
    expect(a100!.health.processes).toEqual([]);
    // NVML shows nothing of the third GPU: its health facts are unknown, not borrowed from a neighbour.
    expect(third!.health).toMatchObject({ ecc: { supported: null, enabled: null }, processes: null, inforom: { valid: null }, unsupported: {} });
  });

  it("marks the job's GPUs by identity: the record of another job's GPU is not in scope", () => {
    const scope = jobScope([{ name: '1', pciBusId: '0000:08:00.0', uuid: H100_UUID, gpuIndex: 1 }, { name: '5', pciBusId: '0000:06:00.0', uuid: null, gpuIndex: null }]);
    const records = buildGpuRecords(driverAnswers(), { pci: PCI, jobScope: scope, xids: [], procfsRoot: '/nonexistent' });
    expect(records.map((gpu) => [gpu.index, gpu.inJobScope, gpu.jobGpu?.name ?? null])).toEqual([
      [0, false, null],
      [1, true, '1'],
      [2, false, null],
    ]);
  });
});

describe('the published snapshot and back', () => {
  it('publishes gpus[] and health[] from the records and reads the same records back by identity', () => {
    const facts = nodeFacts(buildGpuRecords(driverAnswers(), { pci: PCI, jobScope: null, xids: [], procfsRoot: '/nonexistent' }), { pci: PCI });
    const snapshot = judgeProbe(facts, { thresholds: THRESHOLDS });
    expect(snapshot.gpus).toEqual(facts.gpus.map((gpu) => gpu.driverFacts));
    expect(snapshot.health.map((entry) => [entry.index, entry.checks['gpu-ecc']?.status])).toEqual([
      [0, 'pass'],
      [1, 'fail'],
      [2, 'skip'],
    ]);
    const back = gpuRecordsOf(snapshot);
    expect(back.map(({ checks: _checks, ...record }) => record)).toEqual(facts.gpus);
    expect(back.map((gpu) => gpu.checks)).toEqual(snapshot.health.map((entry) => entry.checks));
  });

  it('joins gpus[] to health[] by UUID or PCI address, never by position', () => {
    const facts = nodeFacts([gpuRecord(0), gpuRecord(1, { health: { processes: [{ pid: 9, name: 'train', usedMemoryBytes: null }] } })]);
    const snapshot = judgeProbe(facts, { thresholds: THRESHOLDS });
    const reordered = { ...snapshot, health: [...snapshot.health].reverse() };
    expect(gpuRecordsOf(reordered).map((gpu) => [gpu.index, gpu.health.processes?.length])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    const withoutHealth = { ...snapshot, health: [snapshot.health[1]!] };
    expect(gpuRecordsOf(withoutHealth).map((gpu) => [gpu.index, gpu.health.processes, gpu.checks])).toEqual([
      [0, null, {}],
      [1, [{ pid: 9, name: 'train', usedMemoryBytes: null }], snapshot.health[1]!.checks],
    ]);
  });

  it('publishes the records in the same shape whatever the node class', () => {
    const facts = nodeFacts([gpuRecord(0), gpuRecord(1)]);
    const plain = judgeProbe(facts, { thresholds: THRESHOLDS });
    const classed = judgeProbe(facts, { thresholds: THRESHOLDS, expectedGpus: { count: 2, source: 'node class dgx (nodes.yaml)' }, nodeClass: { id: 'dgx', source: 'nodes.yaml', gpuMemoryGiB: 79 } });
    expect(Object.keys(plain)).not.toContain('nodeClass');
    expect(Object.keys(classed).slice(-2)).toEqual(['nodeClass', 'verdicts']);
    expect(classed.gpus).toEqual(plain.gpus);
    expect(classed.health).toEqual(plain.health);
    expect(classed.verdicts.find((verdict) => verdict.subject === 'node-class')).toMatchObject({ status: 'fail', reason: expect.stringContaining('GPU 0 (0000:07:00.0) has 39.6 GiB, expected >= 79 GiB') });
    expect(classed.verdicts.find((verdict) => verdict.subject === 'gpu-count')?.reason).toContain('(2 expected by node class dgx (nodes.yaml))');
  });
});

describe('the node class is matched on the facts, before they are judged', () => {
  const references: NodeReferenceFile = {
    file: 'nodes.yaml',
    metrics: [],
    nodeClasses: [
      { id: 'gpu-h100', description: '', match: { gpu: 'H100' }, references: {} },
      { id: 'cpu-xeon', description: '', match: { cpu: 'Xeon' }, references: {} },
    ],
  };

  it('by the GPU model of the records, else the CPU model', () => {
    expect(matchNodeClass(references, nodeFacts([gpuRecord(1), gpuRecord(1, { index: 1 })]))?.id).toBe('gpu-h100');
    expect(matchNodeClass(references, nodeFacts([]))?.id).toBe('cpu-xeon');
  });
});
