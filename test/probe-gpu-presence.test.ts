/**
 * The node's GPUs from three independent sources: a stand-in /sys PCI tree, a stand-in
 * /proc/driver/nvidia, and the fake NVIDIA driver (test/fake-nvidia) loaded by dlopen exactly
 * as on a real node. A node with NVIDIA GPUs on its PCI bus is a GPU node whatever its driver does.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeSnapshot, Verdict } from '../src/probe/index.js';
import { buildFakeDrivers, runProbe, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeKernelLog, fakeProcfs, fakeSysfs, nvidiaGpusFrom } from './helpers/fake-node.js';

let dirs: FakeDriverDirs;
beforeAll(() => {
  dirs = buildFakeDrivers();
});
afterAll(() => {
  if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
});

const NO_JOB = { CUDA_VISIBLE_DEVICES: undefined, SLURM_JOB_GPUS: undefined, SLURM_STEP_GPUS: undefined, NVIDIA_VISIBLE_DEVICES: undefined };
const MODULE = '550.54.15';

interface NodeSetup {
  libraries: string;
  scenario?: string;
  sysfs: string;
  procfs: string;
  env?: Record<string, string | undefined>;
  args?: string[];
}

function probe(setup: NodeSetup): { code: number | null; snapshot: ProbeSnapshot; verdict: (subject: string) => Verdict } {
  const run = runProbe(['--json', ...(setup.args ?? [])], {
    ...NO_JOB,
    LD_LIBRARY_PATH: setup.libraries,
    MLCHECK_FAKE_GPUS: setup.scenario,
    MLCHECK_SYSFS_ROOT: setup.sysfs,
    MLCHECK_PROCFS_ROOT: setup.procfs,
    ...setup.env,
  });
  const snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
  const verdict = (subject: string): Verdict => {
    const found = snapshot.verdicts.find((v) => v.subject === subject);
    if (!found) throw new Error(`no verdict ${subject}: ${run.stdout}`);
    return found;
  };
  return { code: run.code, snapshot, verdict };
}

describe('gpu-driver: NVIDIA devices on PCI need a usable driver', () => {
  it('fails when the nvidia kernel module is not loaded, naming the PCI addresses', () => {
    const { snapshot, verdict } = probe({ libraries: dirs.both, scenario: 'modern', sysfs: fakeSysfs(nvidiaGpusFrom(7, 2)), procfs: fakeProcfs(null) });
    expect(snapshot.pci.devices.map((d) => d.address)).toEqual(['0000:07:00.0', '0000:08:00.0']);
    expect(snapshot.kernelModule.loaded).toBe(false);
    expect(verdict('gpu-driver')).toMatchObject({ status: 'fail', appliesToNode: true, reason: expect.stringMatching(/2 NVIDIA GPUs on PCI \(0000:07:00\.0, 0000:08:00\.0\), but the nvidia kernel module is not loaded/) });
    expect(verdict('gpu-driver').fix).toMatch(/modprobe nvidia/);
  });

  it('fails when libcuda.so.1 is missing although the module is loaded', () => {
    const { snapshot, verdict } = probe({ libraries: dirs.empty, sysfs: fakeSysfs(nvidiaGpusFrom(7, 2)), procfs: fakeProcfs(MODULE) });
    expect(snapshot.kernelModule).toMatchObject({ loaded: true, version: MODULE });
    expect(snapshot.gpus).toEqual([]);
    expect(verdict('gpu-driver')).toMatchObject({ status: 'fail', reason: expect.stringContaining('libcuda.so.1 not found') });
    // Not the "CUDA packages on a node without GPUs" mistake: the node has GPUs, its driver is broken.
    expect(verdict('cuda').status).toBe('fail');
  });

  it.each([
    ['cuinit-999', 'CUDA_ERROR_UNKNOWN (999)'],
    ['cuinit-100', 'CUDA_ERROR_NO_DEVICE (100)'],
    ['cuinit-35', 'CUDA_ERROR_INSUFFICIENT_DRIVER (35)'],
  ])('fails when cuInit fails (%s), with the named error', (scenario, error) => {
    const { verdict } = probe({ libraries: dirs.both, scenario, sysfs: fakeSysfs(nvidiaGpusFrom(7, 2)), procfs: fakeProcfs(MODULE) });
    expect(verdict('gpu-driver')).toMatchObject({ status: 'fail', reason: expect.stringContaining(`cuInit: ${error}`) });
  });

  it('names another kernel driver bound to the GPU', () => {
    const { verdict } = probe({ libraries: dirs.empty, sysfs: fakeSysfs([{ address: '0000:07:00.0', driver: 'nouveau' }]), procfs: fakeProcfs(null) });
    expect(verdict('gpu-driver').reason).toContain('0000:07:00.0 is bound to nouveau');
  });

  it('passes a working node, and a CPU node (no NVIDIA PCI device, no driver) stays a CPU node', () => {
    const gpuNode = probe({ libraries: dirs.both, scenario: 'modern', sysfs: fakeSysfs(nvidiaGpusFrom(7, 2)), procfs: fakeProcfs(MODULE) });
    expect(gpuNode.verdict('gpu-driver')).toMatchObject({ status: 'pass', reason: expect.stringContaining(`nvidia module ${MODULE}, CUDA 12.4`) });
    expect(gpuNode.verdict('gpu-count').status).toBe('pass');
    const cpuNode = probe({ libraries: dirs.empty, sysfs: fakeSysfs([{ address: '0000:00:02.0', vendor: '0x8086', pciClass: '0x030000' }]), procfs: fakeProcfs(null) });
    expect(cpuNode.snapshot.pci.devices).toEqual([]);
    expect(cpuNode.verdict('gpu-driver').status).toBe('skip');
    expect(cpuNode.verdict('gpu-count').status).toBe('skip');
    expect(cpuNode.verdict('cuda').status).toBe('skip');
    expect(cpuNode.code).toBe(0);
  });
});

describe('gpu-count: every GPU answers through the driver', () => {
  it('fails when a GPU on PCI does not answer (fell off the bus), naming its address', () => {
    const { verdict } = probe({ libraries: dirs.both, scenario: 'modern', sysfs: fakeSysfs(nvidiaGpusFrom(7, 3)), procfs: fakeProcfs(MODULE) });
    expect(verdict('gpu-driver').status).toBe('pass');
    expect(verdict('gpu-count')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/2 of 3 NVIDIA GPUs on PCI answer through the driver; missing: 0000:09:00\.0/) });
  });

  // Eight GPUs on PCI (01-08), four answering (01-04), the module's device minors in PCI order.
  const halfNode = (procfs = fakeProcfs(MODULE, { gpus: nvidiaGpusFrom(1, 8).map((device, minor) => ({ address: device.address, minor })) })) => ({
    libraries: dirs.both,
    scenario: 'a100x4',
    sysfs: fakeSysfs(nvidiaGpusFrom(1, 8)),
    procfs,
  });

  it("inside a job expects the job's GPUs: 1 of 8 given, and answering, is not a failure", () => {
    const node = halfNode();
    const job = probe({ ...node, env: { CUDA_VISIBLE_DEVICES: '2' } });
    expect(job.snapshot.jobScope).toMatchObject({ source: 'CUDA_VISIBLE_DEVICES', value: '2', count: 1, gpus: [{ name: '2', pciBusId: '0000:03:00.0', gpuIndex: 0 }] });
    expect(job.snapshot.gpus.filter((g) => g.seenBy.cuda)).toHaveLength(1);
    expect(job.verdict('gpu-count')).toMatchObject({ status: 'pass', reason: expect.stringContaining('the node has 8 on PCI') });
    // A prolog sees Slurm's allocation while the driver still shows every GPU: device 1 is 02:00.0, which answers.
    const prolog = probe({ ...node, env: { SLURM_JOB_GPUS: '1' } });
    expect(prolog.verdict('gpu-count')).toMatchObject({ status: 'pass', reason: expect.stringContaining('GPU 1 (0000:02:00.0, GPU-b1') });
    // Outside the job the same node fails: 4 of its 8 GPUs do not answer.
    expect(probe(node).verdict('gpu-count').status).toBe('fail');
  });

  it("fails a job whose own GPU does not answer, naming it by PCI address, although as many GPUs answer as it was given", () => {
    // The example: 8 GPUs on PCI, 4 answer, SLURM_JOB_GPUS=5 (this test once asserted a pass here).
    const missing = probe({ ...halfNode(), env: { SLURM_JOB_GPUS: '5' }, args: ['--require', 'gpu-count'] });
    expect(missing.snapshot.jobScope).toMatchObject({ source: 'SLURM_JOB_GPUS', count: 1, gpus: [{ name: '5', pciBusId: '0000:06:00.0', gpuIndex: null }] });
    expect(missing.verdict('gpu-count')).toMatchObject({ status: 'fail', reason: expect.stringContaining('the job was given 1 GPU (SLURM_JOB_GPUS=5), but the driver shows 0 of them; missing: GPU 5 (0000:06:00.0)') });
    expect(missing.code).toBe(1);
  });

  it("an Xid 79 of the job's missing GPU fails gpu-xid; one of another job's missing GPU only warns", () => {
    const log = fakeKernelLog([
      "[ 3303.880021] NVRM: Xid (PCI:0000:06:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.",
      "[ 3304.880021] NVRM: Xid (PCI:0000:07:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.",
    ]);
    const { verdict } = probe({ ...halfNode(), env: { SLURM_JOB_GPUS: '5', MLCHECK_KMSG: log } });
    expect(verdict('gpu-xid')).toMatchObject({ status: 'fail' });
    expect(verdict('gpu-xid').reason).toContain("PCI 0000:06:00, the job's GPU 5, which the driver does not show now: Xid 79 x1");
    expect(verdict('gpu-xid').reason).toContain("PCI 0000:07:00, not one of this job's GPUs: Xid 79 x1");
  });

  it("a Slurm index is a device minor, read from the module; without the module's list, PCI bus order (and it says so)", () => {
    // Minors that are not in PCI order: device 5 is the GPU at 03:00.0, which answers.
    const shuffled = fakeProcfs(MODULE, { gpus: nvidiaGpusFrom(1, 8).map((device, position) => ({ address: device.address, minor: (position + 3) % 8 })) });
    const byMinor = probe({ ...halfNode(shuffled), env: { SLURM_JOB_GPUS: '5' } });
    expect(byMinor.snapshot.jobScope?.gpus).toEqual([{ name: '5', pciBusId: '0000:03:00.0', uuid: expect.stringMatching(/^GPU-/), gpuIndex: 2 }]);
    expect(byMinor.snapshot.jobScope?.matchedBy).toBe('device minor numbers from /proc/driver/nvidia/gpus/<address>/information');
    expect(byMinor.verdict('gpu-count').status).toBe('pass');
    const byPciOrder = probe({ ...halfNode(fakeProcfs(MODULE)), env: { SLURM_JOB_GPUS: '5' } });
    expect(byPciOrder.snapshot.jobScope?.gpus[0]).toMatchObject({ pciBusId: '0000:06:00.0', gpuIndex: null });
    expect(byPciOrder.snapshot.jobScope?.matchedBy).toMatch(/^PCI bus order of the NVIDIA GPUs on the PCI bus, as nvidia-smi numbers them and CUDA does under CUDA_DEVICE_ORDER=PCI_BUS_ID, since the device minors are unknown: cannot list .*ENOENT/);
    expect(byPciOrder.verdict('gpu-count').status).toBe('fail');
  });

  it('fails a job whose GPUs the driver does not show', () => {
    const { verdict } = probe({ libraries: dirs.both, scenario: 'modern', sysfs: fakeSysfs(nvidiaGpusFrom(7, 2)), procfs: fakeProcfs(MODULE), env: { CUDA_VISIBLE_DEVICES: '0,1', MLCHECK_FAKE_GPUS: 'modern' } });
    expect(verdict('gpu-count').status).toBe('pass');
    const lost = probe({ libraries: dirs.both, scenario: 'mixed', sysfs: fakeSysfs(nvidiaGpusFrom(7, 2)), procfs: fakeProcfs(MODULE), env: { CUDA_VISIBLE_DEVICES: '0,9' } });
    expect(lost.verdict('gpu-count')).toMatchObject({ status: 'fail', reason: expect.stringContaining('the job was given 2 GPUs (CUDA_VISIBLE_DEVICES=0,9), but the driver shows 1') });
  });

  it('--expect-gpus fails a node that shows fewer', () => {
    const node = { libraries: dirs.both, scenario: 'modern', sysfs: fakeSysfs(nvidiaGpusFrom(7, 2)), procfs: fakeProcfs(MODULE) };
    expect(probe({ ...node, args: ['--expect-gpus', '2'] }).verdict('gpu-count').status).toBe('pass');
    const short = probe({ ...node, args: ['--expect-gpus', '4', '--require', 'gpu-count'] });
    expect(short.verdict('gpu-count')).toMatchObject({ status: 'fail', reason: expect.stringContaining('4 expected by --expect-gpus') });
    expect(short.code).toBe(1);
  });
});
