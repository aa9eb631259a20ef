/**
 * The GPU health verdicts (src/probe/health-rules.ts): one verdict per check, the worst over the
 * judged GPUs, naming each GPU that does not pass by index, PCI address and UUID; Xids of GPUs
 * the driver no longer shows; the job's scope; the driver against the engines. Built from judged
 * per-GPU records in memory: no driver, no child process.
 */
import { describe, expect, it } from 'vitest';
import { healthVerdicts, type HealthFacts } from '../../src/probe/health-rules.js';
import type { GpuChecks, HealthFinding, JudgedGpuRecord, Verdict, VerdictStatus } from '../../src/probe/index.js';
import { A100_UUID, H100_UUID, gpuRecord, jobScope, judged, nodeFacts, xid } from './gpu-records-fixture.js';

const PASSING: GpuChecks = {
  'gpu-ecc': { status: 'pass', detail: 'ECC on, no uncorrectable errors (volatile or aggregate)' },
  'gpu-memory': { status: 'pass', detail: '0 remapped rows, none pending or failed' },
  'gpu-pcie': { status: 'pass', detail: 'PCIe gen4 x16, its maximum' },
  'gpu-clocks': { status: 'pass', detail: 'no slowdown (GPU idle)' },
  'gpu-inforom': { status: 'pass', detail: 'InfoROM checksums valid' },
  'gpu-xid': { status: 'pass', detail: 'no Xid since boot' },
  'gpu-persistence': { status: 'pass', detail: 'persistence mode on' },
};
const finding = (status: VerdictStatus, detail: string): HealthFinding => ({ status, detail });
const GPU0 = `GPU 0 (0000:07:00.0, ${A100_UUID})`;
const GPU1 = `GPU 1 (0000:08:00.0, ${H100_UUID})`;

function facts(gpus: JudgedGpuRecord[], changes: Partial<HealthFacts> = {}): HealthFacts {
  return { ...nodeFacts(gpus), gpus, ...changes };
}
const pair = (second: GpuChecks = PASSING, first: GpuChecks = PASSING) => [judged(gpuRecord(0), first), judged(gpuRecord(1), second)];
const verdictOf = (all: Verdict[], subject: string): Verdict => {
  const found = all.find((verdict) => verdict.subject === subject);
  if (found === undefined) throw new Error(`no ${subject} in ${all.map((verdict) => verdict.subject).join(', ')}`);
  return found;
};

interface Row {
  what: string;
  facts: () => HealthFacts;
  subject: string;
  status: VerdictStatus;
  reason: string | RegExp;
}

const ROWS: Row[] = [
  { what: 'both GPUs pass', facts: () => facts(pair()), subject: 'gpu-ecc', status: 'pass', reason: 'all 2 GPUs: ECC on, no uncorrectable errors (volatile or aggregate)' },
  {
    what: 'each GPU passes in its own words',
    facts: () => facts(pair({ ...PASSING, 'gpu-pcie': finding('pass', 'PCIe gen5 x16, its maximum') })),
    subject: 'gpu-pcie',
    status: 'pass',
    reason: 'GPU 0: PCIe gen4 x16, its maximum; GPU 1: PCIe gen5 x16, its maximum',
  },
  {
    what: 'one GPU fails: named by index, PCI address and UUID',
    facts: () => facts(pair({ ...PASSING, 'gpu-ecc': finding('fail', '3 volatile uncorrectable ECC errors since the driver loaded') })),
    subject: 'gpu-ecc',
    status: 'fail',
    reason: `${GPU1}: 3 volatile uncorrectable ECC errors since the driver loaded; 1 other GPU passes`,
  },
  {
    what: 'the worst first: a failing GPU before a warning one',
    facts: () => facts(pair({ ...PASSING, 'gpu-clocks': finding('warn', 'SW thermal slowdown active') }, { ...PASSING, 'gpu-clocks': finding('fail', 'HW slowdown active') })),
    subject: 'gpu-clocks',
    status: 'fail',
    reason: `${GPU0}: HW slowdown active; ${GPU1}: SW thermal slowdown active`,
  },
  {
    what: "another job's GPU is not judged: its fault does not count",
    facts: () => facts([judged(gpuRecord(0, { inJobScope: false })), judged(gpuRecord(1, { jobGpu: { name: '1', pciBusId: '0000:08:00.0', uuid: H100_UUID, gpuIndex: 1 } }), PASSING)], { jobScope: jobScope([{ name: '1', pciBusId: '0000:08:00.0', uuid: H100_UUID, gpuIndex: 1 }]) }),
    subject: 'gpu-ecc',
    status: 'pass',
    reason: 'GPU: ECC on, no uncorrectable errors (volatile or aggregate)',
  },
  {
    what: 'a job without GPUs: nothing judged',
    facts: () => facts([judged(gpuRecord(0, { inJobScope: false })), judged(gpuRecord(1, { inJobScope: false }))], { jobScope: jobScope([], { source: 'SLURM_JOB_ID', value: '42' }) }),
    subject: 'gpu-memory',
    status: 'skip',
    reason: 'the job was given no GPU (job 42 has no SLURM_JOB_GPUS): none of the node\'s GPUs is the job\'s to judge',
  },
  {
    what: 'the driver unusable: no GPU to judge',
    facts: () => facts([], { gpuError: 'libcuda.so.1: cuInit: CUDA_ERROR_UNKNOWN (999)', pci: { devices: [gpuRecord(0).pciDevice!], error: null } }),
    subject: 'gpu-inforom',
    status: 'skip',
    reason: 'no GPU answers through the driver (see gpu-driver): libcuda.so.1: cuInit: CUDA_ERROR_UNKNOWN (999)',
  },
  { what: 'no Xid in the log', facts: () => facts(pair()), subject: 'gpu-xid', status: 'pass', reason: 'no Xid in the kernel log since boot (MLCHECK_KMSG=test)' },
  {
    what: 'an Xid at an address no probed GPU has: a GPU that fell off the bus',
    facts: () => facts(pair(), { kernelLog: { source: 'MLCHECK_KMSG=test', error: null, xids: [xid(79, '0000:3b:00', null, 'GPU-3b')] } }),
    subject: 'gpu-xid',
    status: 'fail',
    reason: /^PCI 0000:3b:00, GPU-3b, a GPU the driver does not show now: Xid 79 x1 \(GPU has fallen off the bus; NVIDIA: RESTART_BM\); 2 other GPUs logged none$/,
  },
  {
    what: "inside a job, an Xid of another job's GPU only warns",
    facts: () =>
      facts([judged(gpuRecord(0, { inJobScope: false })), judged(gpuRecord(1, { jobGpu: { name: '1', pciBusId: '0000:08:00.0', uuid: H100_UUID, gpuIndex: 1 } }), PASSING)], {
        jobScope: jobScope([{ name: '1', pciBusId: '0000:08:00.0', uuid: H100_UUID, gpuIndex: 1 }]),
        kernelLog: { source: 'MLCHECK_KMSG=test', error: null, xids: [xid(79, '0000:07:00', 0)] },
      }),
    subject: 'gpu-xid',
    status: 'warn',
    reason: /PCI 0000:07:00, .*not one of this job's GPUs: Xid 79/,
  },
  {
    what: "inside a job, an Xid of the job's own GPU that the driver no longer shows fails",
    facts: () =>
      facts(pair(), {
        jobScope: jobScope([{ name: '5', pciBusId: '0000:06:00.0', uuid: null, gpuIndex: null }]),
        kernelLog: { source: 'MLCHECK_KMSG=test', error: null, xids: [xid(79, '0000:06:00', null)] },
      }),
    subject: 'gpu-xid',
    status: 'fail',
    reason: /PCI 0000:06:00, the job's GPU 5, which the driver does not show now: Xid 79/,
  },
  {
    what: 'an Xid of a judged GPU, by its finding',
    facts: () => facts(pair({ ...PASSING, 'gpu-xid': finding('fail', 'Xid 48 x1 (Double Bit ECC Error; NVIDIA: RESET_GPU)') })),
    subject: 'gpu-xid',
    status: 'fail',
    reason: `${GPU1}: Xid 48 x1 (Double Bit ECC Error; NVIDIA: RESET_GPU); 1 other GPU logged none`,
  },
  { what: 'the kernel log unreadable', facts: () => facts(pair(), { kernelLog: { source: null, error: 'EPERM', xids: [] } }), subject: 'gpu-xid', status: 'skip', reason: 'the kernel log could not be read: EPERM' },
  {
    what: 'the driver too old for an engine',
    facts: () => facts(pair(), { engineCudaNeeds: [{ engine: 'onnxruntime-node 1.30.0 CUDA execution provider', cudaVersion: '12.8' }] }),
    subject: 'gpu-driver-compat',
    status: 'fail',
    reason: 'the driver supports CUDA 12.4, but onnxruntime-node 1.30.0 CUDA execution provider needs CUDA 12.8',
  },
  {
    what: 'the driver new enough',
    facts: () => facts(pair(), { engineCudaNeeds: [{ engine: '@tensorflow/tfjs-node-gpu 4.22.0', cudaVersion: '11.2' }] }),
    subject: 'gpu-driver-compat',
    status: 'pass',
    reason: 'the driver supports CUDA 12.4: @tensorflow/tfjs-node-gpu 4.22.0 needs 11.2',
  },
  { what: 'the engines not said', facts: () => facts(pair()), subject: 'gpu-driver-compat', status: 'skip', reason: /the probe was not told which engines are installed/ },
  {
    what: "another job's process on the job's GPU (prolog)",
    facts: () => facts(pair({ ...PASSING, 'gpu-processes': finding('fail', '1 other compute process on it: PID 4242 python3') }, { ...PASSING, 'gpu-processes': finding('pass', 'no other compute process') }), { gpuProcessesChecked: true }),
    subject: 'gpu-processes',
    status: 'fail',
    reason: `${GPU1}: 1 other compute process on it: PID 4242 python3; 1 other GPU passes`,
  },
];

describe('healthVerdicts: one verdict per check from the judged GPU records', () => {
  it.each(ROWS)('$subject: $what -> $status', ({ facts: make, subject, status, reason }) => {
    const verdict = verdictOf(healthVerdicts(make()), subject);
    expect(verdict).toMatchObject({ kind: 'gpu', status, appliesToNode: true });
    if (typeof reason === 'string') expect(verdict.reason).toBe(reason);
    else expect(verdict.reason).toMatch(reason);
    expect(verdict.fix === null).toBe(status === 'pass' || (status === 'skip' && subject !== 'gpu-xid'));
  });

  it('gives the checks in order, gpu-processes only when asked, and none on a CPU node', () => {
    expect(healthVerdicts(facts(pair())).map((verdict) => verdict.subject)).toEqual(['gpu-ecc', 'gpu-memory', 'gpu-pcie', 'gpu-clocks', 'gpu-inforom', 'gpu-xid', 'gpu-driver-compat', 'gpu-persistence']);
    expect(healthVerdicts(facts(pair(), { gpuProcessesChecked: true })).map((verdict) => verdict.subject)).toContain('gpu-processes');
    expect(healthVerdicts(facts([], { pci: { devices: [], error: null } }))).toEqual([]);
  });
});
