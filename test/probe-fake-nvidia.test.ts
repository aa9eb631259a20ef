/**
 * The GPU path against a fake NVIDIA driver (test/fake-nvidia/*.c, compiled here with cc),
 * loaded by a child `mlcheck probe --json` through LD_LIBRARY_PATH.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeSnapshot } from '../src/probe/index.js';
import { buildFakeDrivers, runProbe, type FakeDriverDirs } from './fake-nvidia/harness.js';

let dirs: FakeDriverDirs;
beforeAll(() => {
  dirs = buildFakeDrivers();
});
afterAll(() => {
  if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
});

function probe(libraryDir: string, scenario: string | undefined, args: string[] = []): { code: number | null; snapshot: ProbeSnapshot; stderr: string } {
  const run = runProbe(['--json', ...args], { LD_LIBRARY_PATH: libraryDir, MLCHECK_FAKE_GPUS: scenario });
  let snapshot: ProbeSnapshot;
  try {
    snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
  } catch {
    throw new Error(`probe printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  return { code: run.code, snapshot, stderr: run.stderr };
}

const cuda = (snapshot: ProbeSnapshot) => snapshot.verdicts.find((v) => v.subject === 'cuda');

describe('fake NVIDIA driver scenarios', () => {
  it('no library at all: cuda skip, no NVIDIA driver', () => {
    const { snapshot } = probe(dirs.empty, undefined);
    expect(snapshot.source).toBe('native');
    expect(snapshot.gpuError).toBe('libcuda.so.1 not found: no NVIDIA driver installed');
    expect(snapshot.nvmlError).toContain('libnvidia-ml.so.1 not found');
    expect(snapshot.driver).toBeNull();
    expect(snapshot.gpus).toEqual([]);
    expect(cuda(snapshot)).toMatchObject({ status: 'skip', reason: expect.stringContaining('no NVIDIA driver') });
  });

  it('cuInit fails with CUDA_ERROR_NO_DEVICE (100)', () => {
    const { snapshot } = probe(dirs.cudaOnly, 'cuinit-100');
    expect(snapshot.gpuError).toBe('libcuda.so.1: cuInit: CUDA_ERROR_NO_DEVICE (100)');
    expect(cuda(snapshot)?.status).toBe('skip');
  });

  it('cuInit fails with CUDA_ERROR_INSUFFICIENT_DRIVER (35): cuda fails and --require cuda exits 1', () => {
    const { snapshot, code, stderr } = probe(dirs.cudaOnly, 'cuinit-35', ['--require', 'cuda']);
    expect(snapshot.gpuError).toBe('libcuda.so.1: cuInit: CUDA_ERROR_INSUFFICIENT_DRIVER (35)');
    expect(cuda(snapshot)).toMatchObject({ status: 'fail', reason: expect.stringContaining('cuInit: CUDA_ERROR_INSUFFICIENT_DRIVER (35)') });
    expect(code).toBe(1);
    expect(stderr).toContain('required cuda is fail');
  });

  it('zero devices: cuda skip', () => {
    const { snapshot } = probe(dirs.both, 'zero');
    expect(snapshot.gpuError).toBeNull();
    expect(snapshot.gpus).toEqual([]);
    expect(snapshot.driver).toEqual({ version: '550.54.15', cudaVersion: '12.4' });
    expect(cuda(snapshot)).toMatchObject({ status: 'skip', reason: expect.stringContaining('0 CUDA devices') });
  });

  it('mixed node K40c 3.5 / P100 6.0 / A100 8.0 / H100 9.0: every fact, NVML matched by UUID', () => {
    const { snapshot, code } = probe(dirs.both, 'mixed', ['--require', 'cuda']);
    expect(snapshot.gpus.map((g) => [g.index, g.name, g.computeCapability])).toEqual([
      [0, 'Tesla K40c', { major: 3, minor: 5 }],
      [1, 'Tesla P100-PCIE-16GB', { major: 6, minor: 0 }],
      [2, 'NVIDIA A100-SXM4-40GB', { major: 8, minor: 0 }],
      [3, 'NVIDIA H100 80GB HBM3', { major: 9, minor: 0 }],
    ]);
    const [k40, p100, a100, h100] = snapshot.gpus;
    expect(k40).toMatchObject({ memoryBytes: 11996954624, multiprocessors: 15, pciBusId: '0000:04:00.0', temperatureC: 41, persistenceMode: true, migMode: null });
    expect(k40?.uuid).toMatch(/^GPU-40516273-8495-a6b7-c8d9-eafb0c1d2e3f$/);
    expect(p100?.ecc).toEqual({ enabled: true, pendingEnabled: true, volatileUncorrected: 2 });
    expect(a100).toMatchObject({ multiprocessors: 108, migMode: { current: false, pending: false }, temperatureC: 33 });
    expect(h100).toMatchObject({ pcie: { generationCurrent: 5, generationMax: 5, widthCurrent: 8, widthMax: 16 }, persistenceMode: false, migMode: { current: true, pending: true } });
    for (const gpu of snapshot.gpus) expect(gpu.seenBy).toEqual({ cuda: true, nvml: true });
    expect(snapshot.driver).toEqual({ version: '550.54.15', cudaVersion: '12.4' });
    expect(cuda(snapshot)).toMatchObject({ status: 'warn', reason: expect.stringContaining('Tesla K40c (compute capability 3.5)') });
    expect(code).toBe(0);
    expect(probe(dirs.both, 'mixed', ['--require', 'cuda', '--strict']).code).toBe(1);
  });

  it('all GPUs >= 6.0: cuda pass', () => {
    const { snapshot } = probe(dirs.both, 'modern');
    expect(cuda(snapshot)?.status).toBe('pass');
  });

  it('a GTX 680 at 3.0 fails cuda, and fails a cuda package', () => {
    const { snapshot, code } = probe(dirs.both, 'gtx680', ['--require-package', 'cm-pytorch-py37-cuda10.1-gcc']);
    expect(snapshot.gpus[0]).toMatchObject({ name: 'GeForce GTX 680', computeCapability: { major: 3, minor: 0 }, ecc: { enabled: false, volatileUncorrected: null } });
    expect(cuda(snapshot)).toMatchObject({ status: 'fail', reason: expect.stringContaining('GeForce GTX 680 (compute capability 3.0) below the minimum 3.5') });
    expect(snapshot.verdicts.find((v) => v.subject === 'cm-pytorch-py37-cuda10.1-gcc')?.status).toBe('fail');
    expect(code).toBe(1);
  });

  it('NVML present while CUDA is absent: GPUs listed from NVML, cuda fails', () => {
    const { snapshot } = probe(dirs.nvmlOnly, 'modern');
    expect(snapshot.gpuError).toBe('libcuda.so.1 not found: no NVIDIA driver installed');
    expect(snapshot.nvmlError).toBeNull();
    expect(snapshot.gpus.map((g) => g.name)).toEqual(['NVIDIA H100 80GB HBM3', 'NVIDIA A100-SXM4-40GB']);
    expect(snapshot.gpus[0]).toMatchObject({ computeCapability: { major: 9, minor: 0 }, multiprocessors: null, seenBy: { cuda: false, nvml: true } });
    expect(cuda(snapshot)).toMatchObject({ status: 'fail', reason: expect.stringContaining('CUDA is unusable') });
  });

  it('CUDA present while NVML is absent: facts from CUDA, health fields empty', () => {
    const { snapshot } = probe(dirs.cudaOnly, 'modern');
    expect(snapshot.gpuError).toBeNull();
    expect(snapshot.nvmlError).toContain('libnvidia-ml.so.1 not found');
    expect(snapshot.driver).toEqual({ version: null, cudaVersion: '12.4' });
    expect(snapshot.gpus[0]).toMatchObject({ name: 'NVIDIA A100-SXM4-40GB', multiprocessors: 108, temperatureC: null, pcie: { generationCurrent: null }, ecc: { enabled: true }, seenBy: { cuda: true, nvml: false } });
    expect(cuda(snapshot)?.status).toBe('pass');
  });

  it('a missing optional NVML symbol leaves just that field empty', () => {
    const { snapshot } = probe(dirs.nvmlPartial, 'modern');
    expect(snapshot.missingSymbols.nvml).toEqual(['nvmlDeviceGetTemperature', 'nvmlDeviceGetMigMode']);
    expect(snapshot.gpus[0]).toMatchObject({ temperatureC: null, migMode: null, persistenceMode: true, pcie: { generationCurrent: 4 }, seenBy: { cuda: true, nvml: true } });
    expect(snapshot.nvmlError).toBeNull();
  });

  it("reads each GPU's compute mode from NVML (nvmlDeviceGetComputeMode); CUDA alone cannot tell it", () => {
    expect(probe(dirs.both, 'exclusive-process').snapshot.gpus.map((gpu) => [gpu.pciBusId, gpu.computeMode])).toEqual([
      ['0000:07:00.0', 'default'],
      ['0000:08:00.0', 'exclusive-process'],
    ]);
    expect(probe(dirs.cudaOnly, 'exclusive-process').snapshot.gpus.map((gpu) => gpu.computeMode)).toEqual([null, null]);
  });

  it('a driver that hangs in cuInit is given up on, and the process still exits', () => {
    const { snapshot, code } = probe(dirs.cudaOnly, 'hang', ['--gpu-timeout', '1', '--require', 'gcc']);
    expect(snapshot.gpuTimedOut).toBe(true);
    expect(snapshot.gpuError).toContain('timed out after 1000 ms in cuInit');
    expect(cuda(snapshot)?.status).toBe('fail');
    expect(code).toBe(snapshot.verdicts.find((v) => v.subject === 'gcc')?.status === 'pass' ? 0 : 1);
  });
});
