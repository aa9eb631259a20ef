import { describe, expect, it } from 'vitest';
import { evaluateRules, manualPackageNames, parsePackageName, type GpuSnapshot, type JudgedGpuRecord, type ProbeSnapshot } from '../src/probe/index.js';
import { MlcheckError } from '../src/util/errors.js';
import { gpuRecord, judged as withChecks } from './unit/gpu-records-fixture.js';

type Facts = Parameters<typeof evaluateRules>[0];

function cpu(flags: string[], listedOnly: string[] = []): ProbeSnapshot['cpu'] {
  const features: Record<string, boolean> = {};
  const cpuid: Record<string, boolean> = {};
  for (const flag of flags) features[flag] = cpuid[flag] = true;
  for (const flag of listedOnly) cpuid[flag] = true;
  return {
    vendor: 'GenuineIntel', brand: 'test', family: 6, model: 85, stepping: 7, logicalCpus: 4, features, cpuid,
    osEnabled: { osxsave: true, xmm: true, ymm: true, zmmOpmask: true, zmmHi256: true, zmmHi16: true, amxTile: false },
  };
}

/** The rules read one record per GPU: this GPU's driver facts, no health checks judged. */
function gpu(index: number, name: string, major: number, minor: number): JudgedGpuRecord {
  const driverFacts: GpuSnapshot = {
    index, name, uuid: null, pciBusId: null, computeCapability: { major, minor }, memoryBytes: 1, multiprocessors: 1,
    ecc: { enabled: null, pendingEnabled: null, volatileUncorrected: null },
    pcie: { generationCurrent: null, generationMax: null, widthCurrent: null, widthMax: null },
    temperatureC: null, persistenceMode: null, migMode: null, computeMode: null, seenBy: { cuda: true, nvml: false }, errors: [],
  };
  return withChecks(gpuRecord(0, { index, name, uuid: null, pciBusId: null, driverFacts }));
}

const SKYLAKE_SP = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f'];
const CASCADE_LAKE = [...SKYLAKE_SP, 'avx512_vnni'];

function facts(overrides: Partial<Facts> = {}): Facts {
  return {
    source: 'native', cpu: cpu(CASCADE_LAKE), memory: { totalBytes: 64 * 1024 ** 3 }, gpus: [], gpuError: null, gpuErrorKind: null, driver: null,
    pci: { devices: [], error: null }, kernelModule: { loaded: false, version: null, error: 'not loaded' }, jobScope: null, expectedGpus: null,
    packages: { judged: [], required: [], installed: null },
    kernelLog: { source: null, error: null, xids: [] }, engineCudaNeeds: null, gpuProcessesChecked: false,
    ...overrides,
  };
}

const judged = (names: string[]): Facts['packages'] => ({ judged: names, required: [], installed: null });

const verdict = (all: ReturnType<typeof evaluateRules>, subject: string) => {
  const found = all.find((v) => v.subject === subject);
  if (found === undefined) throw new Error(`no verdict for ${subject}`);
  return found;
};

describe('evaluateRules: the manual rules', () => {
  it('gives one verdict per family, in order', () => {
    expect(evaluateRules(facts()).map((v) => v.subject)).toEqual(['gpu-driver', 'gpu-count', 'cuda', 'gcc', 'gcc8', 'memory']);
  });

  it('gcc fails naming each missing flag, gcc8 needs VNNI', () => {
    const nehalem = evaluateRules(facts({ cpu: cpu(['sse4_2']) }));
    expect(verdict(nehalem, 'gcc')).toMatchObject({ status: 'fail' });
    expect(verdict(nehalem, 'gcc').reason).toContain('AVX (avx), AVX2 (avx2), FMA (fma)');
    expect(verdict(nehalem, 'gcc').reason).not.toContain('SSE4.2');
    const skylake = evaluateRules(facts({ cpu: cpu(SKYLAKE_SP) }));
    expect(verdict(skylake, 'gcc').status).toBe('pass');
    expect(verdict(skylake, 'gcc8')).toMatchObject({ status: 'fail', reason: expect.stringContaining('AVX-512 VNNI') });
    expect(verdict(evaluateRules(facts()), 'gcc8').status).toBe('pass');
  });

  it('a flag cpuid lists but the OS did not enable does not count', () => {
    const result = evaluateRules(facts({ cpu: cpu(SKYLAKE_SP, ['avx512_vnni']) }));
    expect(verdict(result, 'gcc8').status).toBe('fail');
    expect(verdict(result, 'gcc8').reason).toContain('OS has not enabled');
  });

  it('cuda: fail below 3.5, warn 3.5 to 5.x, pass from 6.0', () => {
    const gtx680 = evaluateRules(facts({ gpus: [gpu(0, 'GeForce GTX 680', 3, 0)] }));
    expect(verdict(gtx680, 'cuda')).toMatchObject({ status: 'fail', reason: expect.stringContaining('GTX 680 (compute capability 3.0)') });
    expect(verdict(evaluateRules(facts({ gpus: [gpu(0, 'Tesla K40c', 3, 5)] })), 'cuda').status).toBe('warn');
    expect(verdict(evaluateRules(facts({ gpus: [gpu(0, 'Tesla M40', 5, 2)] })), 'cuda').status).toBe('warn');
    expect(verdict(evaluateRules(facts({ gpus: [gpu(0, 'Tesla P100', 6, 0), gpu(1, 'A100', 8, 0)] })), 'cuda').status).toBe('pass');
    const mixed = evaluateRules(facts({ gpus: [gpu(0, 'Tesla P100', 6, 0), gpu(1, 'GeForce GTX 680', 3, 0)] }));
    expect(verdict(mixed, 'cuda').status).toBe('fail');
  });

  it('cuda: no driver and no device skip; a broken driver fails', () => {
    const none = evaluateRules(facts({ gpuError: 'libcuda.so.1 not found: no NVIDIA driver installed', gpuErrorKind: 'no-driver' }));
    expect(verdict(none, 'cuda')).toMatchObject({ status: 'skip', reason: expect.stringContaining('no NVIDIA driver') });
    const noDevice = evaluateRules(facts({ gpuError: 'libcuda.so.1: cuInit: CUDA_ERROR_NO_DEVICE (100)', gpuErrorKind: 'no-device' }));
    expect(verdict(noDevice, 'cuda').status).toBe('skip');
    const old = evaluateRules(facts({ gpuError: 'libcuda.so.1: cuInit: CUDA_ERROR_INSUFFICIENT_DRIVER (35)', gpuErrorKind: 'driver-error' }));
    expect(verdict(old, 'cuda')).toMatchObject({ status: 'fail', reason: expect.stringContaining('CUDA_ERROR_INSUFFICIENT_DRIVER (35)') });
  });

  it('memory warns below 8 GB and tolerates what the kernel keeps', () => {
    expect(verdict(evaluateRules(facts({ memory: { totalBytes: 4 * 1024 ** 3 } })), 'memory').status).toBe('warn');
    expect(verdict(evaluateRules(facts({ memory: { totalBytes: 7.7 * 1024 ** 3 } })), 'memory').status).toBe('pass');
  });

  it('per package: names the common mistakes', () => {
    const noGpu = facts({
      cpu: cpu(SKYLAKE_SP), gpuError: 'libcuda.so.1 not found: no NVIDIA driver installed', gpuErrorKind: 'no-driver',
      packages: judged(['cm-pytorch-py37-cuda10.1-gcc', 'cm-tensorflow-py37-mkl-gcc8', 'cm-bazel', 'cm-protobuf3-gcc']),
    });
    const result = evaluateRules(noGpu);
    expect(verdict(result, 'cm-pytorch-py37-cuda10.1-gcc')).toMatchObject({ kind: 'package', status: 'fail', reason: expect.stringContaining('CUDA packages on a node without GPUs') });
    expect(verdict(result, 'cm-tensorflow-py37-mkl-gcc8')).toMatchObject({ status: 'fail', reason: expect.stringContaining('VNNI (gcc8) packages on a CPU without AVX-512 VNNI') });
    expect(verdict(result, 'cm-bazel').status).toBe('pass');
    expect(verdict(result, 'cm-protobuf3-gcc').status).toBe('pass');
    const gpuNode = evaluateRules(facts({ gpus: [gpu(0, 'A100', 8, 0)], packages: judged(['cm-xgboost-py37-cuda10.1-gcc']) }));
    expect(verdict(gpuNode, 'cm-xgboost-py37-cuda10.1-gcc').status).toBe('pass');
  });
});

describe('parsePackageName', () => {
  it('splits framework, python, accelerator and compiler', () => {
    expect(parsePackageName('cm-tensorflow-py37-mkl-gcc8')).toEqual({ name: 'cm-tensorflow-py37-mkl-gcc8', framework: 'tensorflow', python: 'py37', accelerator: { kind: 'mkl' }, compiler: 'gcc8' });
    expect(parsePackageName('cm-pytorch-py36-cuda10.1-gcc')).toMatchObject({ framework: 'pytorch', python: 'py36', accelerator: { kind: 'cuda', version: '10.1' }, compiler: 'gcc' });
    expect(parsePackageName('cm-xgboost-py37-cuda10.1-gcc')).toMatchObject({ framework: 'xgboost', accelerator: { kind: 'cuda', version: '10.1' } });
    expect(parsePackageName('cm-horovod-tensorflow-py37-cuda10.1-gcc')).toMatchObject({ framework: 'horovod-tensorflow' });
    expect(parsePackageName('cm-nccl2-cuda10.1-gcc')).toMatchObject({ framework: 'nccl2', python: null, compiler: 'gcc' });
    expect(parsePackageName('cm-bazel')).toMatchObject({ framework: 'bazel', python: null, accelerator: null, compiler: null });
  });

  it.each(['tensorflow-py37-gcc', 'cm-', 'cm-py37-cuda10.1-gcc', 'cm-tensorflow--gcc', 'cm-Tensor Flow', 'cm-tensorflow-gcc-py37'])('rejects %j, which does not follow the scheme, as a usage error', (bad) => {
    let caught: unknown;
    try {
      parsePackageName(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught, bad).toBeInstanceOf(MlcheckError);
    expect((caught as MlcheckError).kind, bad).toBe('usage');
  });

  it("parses every name of the manual's package list", () => {
    const names = manualPackageNames();
    expect(names).toContain('cm-tensorflow-py37-mkl-gcc8');
    expect(names).toContain('cm-pytorch-py36-cuda10.1-gcc');
    expect(names).toContain('cm-caffe2-py37-cuda10.1-gcc');
    for (const name of names) expect(() => parsePackageName(name), name).not.toThrow();
  });
});
