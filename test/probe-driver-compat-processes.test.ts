/**
 * gpu-driver-compat and gpu-processes. The first depends on which engines are installed, so its
 * rows are checked with probeNode in this process (the addon dlopens the fake driver by path)
 * and the engine list it is given; the CLI wiring is checked against what the engines layer
 * reports here. gpu-processes runs only in `mlcheck slurm check --prolog`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedEngineCudaNeeds } from '../src/engines/cuda-needs.js';
import { probeNode, type EngineCudaNeed, type ProbeNodeOptions, type ProbeSnapshot } from '../src/probe/index.js';
import { buildFakeDrivers, runProbe, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeProcfs, fakeSysfs, kernelLogFixture, nvidiaGpusFrom } from './helpers/fake-node.js';
import { cliPath } from './helpers/paths.js';

let dirs: FakeDriverDirs;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  dirs = buildFakeDrivers();
  const procfs = fakeProcfs('550.54.15');
  // The process the fake NVML reports on the busy GPU, as /proc names it.
  mkdirSync(path.join(procfs, '4242'));
  writeFileSync(path.join(procfs, '4242', 'comm'), 'python\n');
  env = { ...process.env, MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 2)), MLCHECK_PROCFS_ROOT: procfs, MLCHECK_KMSG: kernelLogFixture('no-xid.log') };
  delete env.CUDA_VISIBLE_DEVICES;
  delete env.SLURM_JOB_GPUS;
  delete process.env.CUDA_VISIBLE_DEVICES;
});
afterAll(() => {
  delete process.env.MLCHECK_FAKE_GPUS;
  if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
});

/** probeNode here, on the fake driver; the fake reads MLCHECK_FAKE_GPUS from this process's environment. */
async function probeHere(scenario: string, options: ProbeNodeOptions = {}): Promise<ProbeSnapshot> {
  process.env.MLCHECK_FAKE_GPUS = scenario;
  return probeNode({ cudaLibrary: path.join(dirs.both, 'libcuda.so.1'), nvmlLibrary: path.join(dirs.both, 'libnvidia-ml.so.1'), env, installedPackages: false, ...options });
}
const verdictOf = (snapshot: ProbeSnapshot, subject: string) => snapshot.verdicts.find((v) => v.subject === subject);

const TFJS: EngineCudaNeed = { engine: '@tensorflow/tfjs-node-gpu 4.22.0', cudaVersion: '11.2' };
const ONNX: EngineCudaNeed = { engine: 'onnxruntime-node 1.30.0 CUDA execution provider', cudaVersion: '12.0' };

describe('gpu-driver-compat: the driver\'s CUDA version (cuDriverGetVersion) against each installed engine', () => {
  it('a CUDA 11.1 driver fails an installed tfjs-node-gpu (CUDA 11.2) and the onnx CUDA provider (CUDA 12)', async () => {
    const snapshot = await probeHere('old-driver', { engineCudaNeeds: [TFJS, ONNX] });
    expect(snapshot.driver?.cudaVersion).toBe('11.1');
    expect(verdictOf(snapshot, 'gpu-driver-compat')).toMatchObject({
      kind: 'gpu',
      status: 'fail',
      reason: 'the driver supports CUDA 11.1, but @tensorflow/tfjs-node-gpu 4.22.0 needs CUDA 11.2 and onnxruntime-node 1.30.0 CUDA execution provider needs CUDA 12.0',
      fix: expect.stringContaining('install an NVIDIA driver that supports the CUDA version named'),
      appliesToNode: true,
    });
  });

  it('a CUDA 12.4 driver passes both', async () => {
    const snapshot = await probeHere('healthy', { engineCudaNeeds: [TFJS, ONNX] });
    expect(verdictOf(snapshot, 'gpu-driver-compat')).toMatchObject({ status: 'pass', reason: 'the driver supports CUDA 12.4: @tensorflow/tfjs-node-gpu 4.22.0 needs 11.2, onnxruntime-node 1.30.0 CUDA execution provider needs 12.0' });
  });

  it('no engine that needs CUDA passes; no engine list at all skips', async () => {
    expect(verdictOf(await probeHere('old-driver', { engineCudaNeeds: [] }), 'gpu-driver-compat')).toMatchObject({ status: 'pass', reason: 'no installed engine needs CUDA (the driver supports CUDA 11.1)' });
    expect(verdictOf(await probeHere('old-driver'), 'gpu-driver-compat')).toMatchObject({ status: 'skip', fix: null });
  });

  it('the CLI hands the probe what the engines layer finds installed here', () => {
    const needs = installedEngineCudaNeeds();
    for (const need of needs) expect(need.cudaVersion).toMatch(/^\d+\.\d+$/);
    const hasTfjsGpu = spawnSync(process.execPath, ['-e', "require.resolve('@tensorflow/tfjs-node-gpu/package.json')"]).status === 0;
    expect(needs.some((need) => need.engine.startsWith('@tensorflow/tfjs-node-gpu '))).toBe(hasTfjsGpu);
    const run = runProbe(['--json'], { ...env, LD_LIBRARY_PATH: dirs.both, MLCHECK_FAKE_GPUS: 'healthy' });
    expect((JSON.parse(run.stdout) as ProbeSnapshot).engineCudaNeeds).toEqual(needs);
  });
});

describe('gpu-processes: another process on the job\'s GPU (slurm check --prolog only)', () => {
  it('fails naming the process, when asked', async () => {
    const snapshot = await probeHere('busy', { checkGpuProcesses: true });
    expect(snapshot.gpuProcessesChecked).toBe(true);
    expect(verdictOf(snapshot, 'gpu-processes')).toMatchObject({
      status: 'fail',
      reason: 'GPU 1 (0000:08:00.0, GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f): 1 other compute process on it: PID 4242 python (1.0 GiB); 1 other GPU passes',
      appliesToNode: true,
    });
  });

  it('is not a verdict outside a prolog, though the processes are reported', async () => {
    const snapshot = await probeHere('busy');
    expect(verdictOf(snapshot, 'gpu-processes')).toBeUndefined();
    expect(snapshot.health[1]?.processes).toEqual([{ pid: 4242, name: 'python', usedMemoryBytes: 1073741824 }]);
  });

  it('passes on free GPUs, skips where NVML cannot list processes', async () => {
    expect(verdictOf(await probeHere('healthy', { checkGpuProcesses: true }), 'gpu-processes')).toMatchObject({ status: 'pass', reason: 'all 2 GPUs: no other compute process' });
    expect(verdictOf(await probeHere('not-supported', { checkGpuProcesses: true }), 'gpu-processes')).toMatchObject({ status: 'skip', reason: expect.stringContaining('NVML_ERROR_NOT_SUPPORTED') });
  });

  it('mlcheck slurm check --prolog exits 1 on a busy GPU of the job and 0 on free ones', () => {
    const prolog = (scenario: string) =>
      spawnSync(process.execPath, [cliPath, 'slurm', 'check', '--prolog', 'hello', '--node', 'node01'], {
        encoding: 'utf8',
        env: { ...env, LD_LIBRARY_PATH: dirs.both, MLCHECK_FAKE_GPUS: scenario, SLURM_JOB_GPUS: '0,1' },
        timeout: 180_000,
      });
    const busy = prolog('busy');
    expect(busy.status, busy.stdout + busy.stderr).toBe(1);
    expect(busy.stdout.trimEnd().split('\n').at(-1)).toMatch(/^mlcheck: FAIL gpu-processes: GPU 1 \(0000:08:00\.0, GPU-90a1b2c3-[^)]*\): 1 other compute process on it: PID 4242 python/);
    const free = prolog('healthy');
    expect(free.status, free.stdout + free.stderr).toBe(0);
    expect(free.stdout).toMatch(/^node: all 11 verdicts pass$/m);
  });
});
