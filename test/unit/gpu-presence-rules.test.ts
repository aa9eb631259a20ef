/**
 * The GPU presence rules (src/probe/gpu-presence-rules.ts): gpu-driver and gpu-count, one table
 * row per node, built from per-GPU records and the node's PCI bus, kernel module, driver and job
 * scope. In memory: no driver, no child process.
 */
import { describe, expect, it } from 'vitest';
import { judgeGpuCount, judgeGpuDriver, type GpuPresenceFacts } from '../../src/probe/gpu-presence-rules.js';
import type { VerdictStatus } from '../../src/probe/index.js';
import { A100_UUID, H100_UUID, gpuRecord, jobScope, nodeFacts, pciDevice } from './gpu-records-fixture.js';

const pair = () => [gpuRecord(0), gpuRecord(1)];
const PCI_OF_PAIR = { devices: [pciDevice('0000:07:00.0'), pciDevice('0000:08:00.0')], error: null };
/** A node with the pair on its PCI bus (whatever the driver answers), and these records. */
const presence = (changes: Partial<GpuPresenceFacts> = {}, gpus = pair()): GpuPresenceFacts => ({ ...nodeFacts(gpus), pci: PCI_OF_PAIR, expectedGpus: null, ...changes });
const EIGHT_ON_PCI = { devices: Array.from({ length: 8 }, (_, i) => pciDevice(`0000:0${i + 1}:00.0`)), error: null };

interface Row {
  what: string;
  facts: () => GpuPresenceFacts;
  status: VerdictStatus;
  reason: string | RegExp;
}

const DRIVER: Row[] = [
  { what: 'GPUs on PCI, the driver answers', facts: () => presence(), status: 'pass', reason: '2 NVIDIA GPUs on PCI (0000:07:00.0, 0000:08:00.0): nvidia module 550.54.15, CUDA 12.4 through libcuda.so.1' },
  {
    what: 'GPUs on PCI, the module not loaded, one bound to nouveau',
    facts: () => presence({ kernelModule: { loaded: false, version: null, error: 'no /proc/driver/nvidia/version' }, pci: { devices: [pciDevice('0000:07:00.0', { boundDriver: 'nouveau' })], error: null }, gpuError: 'libcuda.so.1 not found', gpuErrorKind: 'no-driver', driver: null }, []),
    status: 'fail',
    reason: /the nvidia kernel module is not loaded .*0000:07:00.0 is bound to nouveau/,
  },
  { what: 'GPUs on PCI, libcuda.so.1 missing', facts: () => presence({ gpuError: 'libcuda.so.1 not found: no NVIDIA driver installed', gpuErrorKind: 'no-driver', driver: null }, []), status: 'fail', reason: /user-space driver is missing/ },
  { what: 'GPUs on PCI, the driver hangs', facts: () => presence({ gpuError: 'GPU probe timed out after 20000 ms in cuInit', gpuErrorKind: 'timeout', driver: null }, []), status: 'fail', reason: /the driver did not answer: GPU probe timed out/ },
  { what: 'GPUs on PCI, cuInit fails', facts: () => presence({ gpuError: 'libcuda.so.1: cuInit: CUDA_ERROR_UNKNOWN (999)', gpuErrorKind: 'driver-error' }, []), status: 'fail', reason: /but CUDA fails: libcuda.so.1: cuInit: CUDA_ERROR_UNKNOWN \(999\)/ },
  { what: 'the addon did not load', facts: () => presence({ gpuError: 'not probed: the native addon is needed', gpuErrorKind: 'not-probed', driver: null }, []), status: 'skip', reason: /the driver API was not probed/ },
  {
    what: 'a job without GPUs, CUDA_ERROR_NO_DEVICE as expected',
    facts: () => presence({ gpuError: 'libcuda.so.1: cuInit: CUDA_ERROR_NO_DEVICE (100)', gpuErrorKind: 'no-device', jobScope: jobScope([], { source: 'CUDA_VISIBLE_DEVICES', value: 'NoDevFiles' }) }, []),
    status: 'skip',
    reason: /the job was given no GPU \(CUDA_VISIBLE_DEVICES=NoDevFiles\), so cuInit answers as expected/,
  },
  { what: 'a CPU node', facts: () => presence({ pci: { devices: [], error: null }, gpuError: 'libcuda.so.1 not found', gpuErrorKind: 'no-driver', driver: null }, []), status: 'skip', reason: 'no NVIDIA GPU on the PCI bus: a CPU node' },
  { what: 'a CPU node with a failing driver', facts: () => presence({ pci: { devices: [], error: null }, gpuError: 'cuInit: CUDA_ERROR_UNKNOWN (999)', gpuErrorKind: 'driver-error' }, []), status: 'warn', reason: /no NVIDIA GPU on the PCI bus, yet an NVIDIA driver is installed and fails/ },
  { what: 'no PCI view, the driver sees GPUs', facts: () => presence({ pci: { devices: [], error: 'cannot list /sys/bus/pci/devices: ENOENT' } }), status: 'pass', reason: /the driver sees 2 GPUs \(NVIDIA A100-SXM4-40GB, NVIDIA H100 80GB HBM3\) \(PCI bus not readable/ },
];

const COUNT: Row[] = [
  { what: 'every GPU on PCI answers', facts: () => presence(), status: 'pass', reason: '2 GPUs answer through the driver, 2 on PCI' },
  {
    what: 'a GPU on PCI that CUDA does not answer for',
    facts: () => presence({ pci: { devices: [...PCI_OF_PAIR.devices, pciDevice('0000:09:00.0', { boundDriver: null })], error: null } }),
    status: 'fail',
    reason: '2 of 3 NVIDIA GPUs on PCI answer through the driver; missing: 0000:09:00.0 (device 0x20b0, no driver bound)',
  },
  {
    what: 'a GPU only NVML shows (CUDA does not answer for it)',
    facts: () => presence({}, [gpuRecord(0), gpuRecord(1, { driverFacts: { seenBy: { cuda: false, nvml: true } } })]),
    status: 'fail',
    reason: '1 of 2 NVIDIA GPUs on PCI answer through the driver; missing: 0000:08:00.0 (device 0x20b0)',
  },
  {
    what: 'a GPU whose PCI address CUDA did not give: counted, not named',
    facts: () => presence({ pci: { devices: [...PCI_OF_PAIR.devices, pciDevice('0000:09:00.0')], error: null } }, [gpuRecord(0), gpuRecord(1, { pciBusId: null })]),
    status: 'fail',
    reason: '2 of 3 NVIDIA GPUs on PCI answer through the driver',
  },
  { what: 'fewer than --expect-gpus', facts: () => presence({ expectedGpus: { count: 3, source: '--expect-gpus' } }), status: 'fail', reason: 'the driver shows 2 GPUs, fewer than expected (3 expected by --expect-gpus)' },
  { what: 'as many as the node class expects', facts: () => presence({ expectedGpus: { count: 2, source: 'node class dgx (nodes.yaml)' } }), status: 'pass', reason: '2 GPUs answer through the driver, 2 on PCI (2 expected by node class dgx (nodes.yaml))' },
  { what: 'a CPU node, none expected', facts: () => presence({ pci: { devices: [], error: null } }, []), status: 'skip', reason: 'no NVIDIA GPU on this node and none expected' },
  { what: 'the driver unusable, enough on PCI', facts: () => presence({ gpuError: 'cuInit failed', gpuErrorKind: 'driver-error' }, []), status: 'skip', reason: 'the driver is unusable (see gpu-driver); 2 on PCI' },
  {
    what: 'the driver unusable, fewer on PCI than expected',
    facts: () => presence({ gpuError: 'cuInit failed', gpuErrorKind: 'driver-error', expectedGpus: { count: 4, source: '--expect-gpus' } }, []),
    status: 'fail',
    reason: 'only 2 of 4 expected GPUs on PCI (4 expected by --expect-gpus)',
  },
  {
    what: "a job's GPU that answers (by device minor), among eight on PCI",
    facts: () =>
      presence(
        { pci: EIGHT_ON_PCI, jobScope: jobScope([{ name: '1', pciBusId: '0000:08:00.0', uuid: H100_UUID, gpuIndex: 1 }]) },
        [gpuRecord(0, { inJobScope: false }), gpuRecord(1, { jobGpu: { name: '1', pciBusId: '0000:08:00.0', uuid: H100_UUID, gpuIndex: 1 } })],
      ),
    status: 'pass',
    reason: /the job was given 1 GPU \(SLURM_JOB_GPUS=1\): GPU 1 \(0000:08:00.0, GPU-90a1.*\) answers through the driver; the node has 8 on PCI \(matched by device minor numbers/,
  },
  {
    what: "a job's GPU the driver does not show, though as many GPUs answer as the job has",
    facts: () =>
      presence({ pci: EIGHT_ON_PCI, jobScope: jobScope([{ name: '5', pciBusId: '0000:06:00.0', uuid: null, gpuIndex: null }]) }, [gpuRecord(0, { inJobScope: false }), gpuRecord(1, { inJobScope: false })]),
    status: 'fail',
    reason: /the job was given 1 GPU \(SLURM_JOB_GPUS=5\), but the driver shows 0 of them; missing: GPU 5 \(0000:06:00.0\); the node has 8 on PCI/,
  },
  {
    what: "a job's GPU that only NVML shows",
    facts: () =>
      presence(
        { jobScope: jobScope([{ name: '0', pciBusId: '0000:07:00.0', uuid: A100_UUID, gpuIndex: 0 }]) },
        [gpuRecord(0, { driverFacts: { seenBy: { cuda: false, nvml: true } }, jobGpu: { name: '0', pciBusId: '0000:07:00.0', uuid: A100_UUID, gpuIndex: 0 } }), gpuRecord(1, { inJobScope: false })],
      ),
    status: 'fail',
    reason: /but the driver shows 0 of them; missing: GPU 0 \(0000:07:00.0, GPU-8091/,
  },
  { what: 'a job without GPUs', facts: () => presence({ jobScope: jobScope([], { source: 'SLURM_JOB_ID', value: '42' }) }), status: 'skip', reason: 'the job was given no GPU (job 42 has no SLURM_JOB_GPUS): nothing to count; the node has 2 on PCI' },
];

describe('judgeGpuDriver', () => {
  it.each(DRIVER)('$what -> $status', ({ facts, status, reason }) => {
    const judgement = judgeGpuDriver(facts());
    expect(judgement.status).toBe(status);
    if (typeof reason === 'string') expect(judgement.reason).toBe(reason);
    else expect(judgement.reason).toMatch(reason);
    expect(judgement.fix === null).toBe(status === 'pass' || status === 'skip' && !/not probed/.test(judgement.reason));
  });
});

describe('judgeGpuCount', () => {
  it.each(COUNT)('$what -> $status', ({ facts, status, reason }) => {
    const judgement = judgeGpuCount(facts());
    expect(judgement.status).toBe(status);
    if (typeof reason === 'string') expect(judgement.reason).toBe(reason);
    else expect(judgement.reason).toMatch(reason);
    expect(judgement.fix === null).toBe(status !== 'fail');
  });
});
