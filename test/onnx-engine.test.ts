import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProviders } from '../src/engines/onnx/detect.js';
import { createOnnxEngine, onnxEngine } from '../src/engines/onnx/index.js';
import { planCudaSetup } from '../src/engines/onnx/cuda-setup.js';
import { RequirementError } from '../src/util/errors.js';
import { helloOnnx, helloOnnxModel } from '../src/workloads/hello/onnx.js';
import type { WorkloadContext } from '../src/workloads/types.js';

const context = (params: WorkloadContext['params']): WorkloadContext => ({
  profile: 'quick',
  seed: 1,
  params,
  data: { files: async () => ({}) },
  outDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-onnx-hello-')),
  signal: new AbortController().signal,
  progress: () => undefined,
});

describe('onnx engine on this CPU-only machine', () => {
  it('reports tensorrt and cuda unavailable, each with its reasons, and cpu available', async () => {
    const statuses = await onnxEngine.detect();
    expect(statuses.map((s) => s.backend)).toEqual(['tensorrt', 'cuda', 'cpu']);
    const [tensorrt, cuda, cpu] = statuses;
    expect(cpu).toEqual({ backend: 'cpu', available: true, reason: null });
    expect(cuda!.available).toBe(false);
    expect(cuda!.reason).toContain('libonnxruntime_providers_cuda.so');
    expect(cuda!.reason).toContain('npx mlcheck setup onnx-cuda');
    expect(tensorrt!.available).toBe(false);
    expect(tensorrt!.reason).toContain('libonnxruntime_providers_tensorrt.so');
  });

  it('opens cpu by default and refuses an explicit cuda with the reason', async () => {
    const session = await onnxEngine.open();
    expect(session.info.backend).toBe('cpu');
    expect(session.skippedProviders.map((s) => s.backend)).toEqual(['tensorrt', 'cuda']);
    await expect(onnxEngine.open({ backend: 'cuda' })).rejects.toBeInstanceOf(RequirementError);
  });

  it('runs hello: 10 + 32 = 42, the string and the MatMul, all fed at run time, every node on the CPU provider', async () => {
    const session = await onnxEngine.open({ backend: 'cpu' });
    const ctx = context({ a: 10, b: 32 });
    const output = await helloOnnx(session, ctx);
    expect(output.metrics).toMatchObject({ sum: { value: 42 }, greeting_matches: { value: 1 }, ran_on_requested_device: { value: 1 } });
    expect(output.metrics.matmul_max_rel_error!.value).toBeLessThan(1e-6);
    expect(output.lines).toContain("b'Hello, ONNX Runtime!'");
    expect(output.lines!.some((l) => l.includes('ran on cpu'))).toBe(true);
    const placement = output.details!.nodePlacement as { profile: string; nodes: { node: string; opType: string; provider: string }[]; nodesOnCpu: unknown[] };
    expect(placement.nodes.map((n) => n.opType).sort()).toEqual(['Add', 'Identity', 'MatMul']);
    for (const node of placement.nodes) expect(node.provider).toBe('CPUExecutionProvider');
    // The profile is the case's, under its directory, never in the working directory.
    expect(path.dirname(placement.profile)).toBe(ctx.outDir);
    expect(output.artifacts).toEqual([placement.profile]);
    expect(readdirSync(process.cwd()).filter((f) => f.startsWith('onnx-profile'))).toEqual([]);
    const other = await helloOnnx(session, context({ a: -5, b: 7 }));
    expect(other.metrics.sum!.value).toBe(2);
    expect(helloOnnxModel()[0]).toBe(0x08); // ModelProto field 1 (ir_version), varint
    // The graph has no constants: nothing can be folded while the session is created.
    expect(Buffer.from(helloOnnxModel()).includes(Buffer.from('Constant'))).toBe(false);
  });
});

describe('provider detection layers', () => {
  const binDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-ort-bin-'));
  for (const file of ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']) writeFileSync(path.join(binDir, file), '');
  const base = { binDir, compiledProviders: ['cpu', 'cuda', 'tensorrt'], platform: 'linux/x64' };

  it('names the missing CUDA libraries and the missing GPU', async () => {
    const statuses = await detectProviders({ ...base, checkLibrary: (name) => (name === 'libcudart.so.12' ? null : `${name}: cannot open shared object file: No such file or directory`), gpuVisibility: async () => ({ gpus: [], error: 'libcuda.so.1 not found: no NVIDIA driver installed' }) });
    const cuda = statuses.find((s) => s.backend === 'cuda')!;
    expect(cuda.available).toBe(false);
    expect(cuda.reason).not.toContain('providers_cuda.so not in');
    expect(cuda.reason).toContain('libcudnn.so.9 (cuDNN 9)');
    expect(cuda.reason).not.toContain('libcudart.so.12');
    expect(cuda.reason).toContain('the probe sees no NVIDIA GPU: libcuda.so.1 not found');
    const tensorrt = statuses.find((s) => s.backend === 'tensorrt')!;
    expect(tensorrt.reason).toContain('libonnxruntime_providers_tensorrt.so');
    expect(tensorrt.reason).toContain('libnvinfer.so.10');
  });

  it('reports a failing trial session as a fault of the node (its requirements hold), and cuda available when it works', async () => {
    const everything = { ...base, checkLibrary: () => null, gpuVisibility: async () => ({ gpus: [{ name: 'Tesla K40c' }], error: null }) };
    const failing = await detectProviders({ ...everything, trialSession: async () => 'on GPU 0: CUDA failure 100: no CUDA-capable device is detected' });
    expect(failing.find((s) => s.backend === 'cuda')).toEqual({
      backend: 'cuda',
      available: false,
      faulty: true,
      reason: 'a test session on cuda (CUDAExecutionProvider) failed on GPU 0: CUDA failure 100: no CUDA-capable device is detected',
    });
    const working = await detectProviders({ ...everything, trialSession: async () => null });
    expect(working.find((s) => s.backend === 'cuda')).toEqual({ backend: 'cuda', available: true, reason: null });
    expect(working.find((s) => s.backend === 'tensorrt')!.available).toBe(false);
  });

  it('says when the platform has no GPU providers', async () => {
    const statuses = await detectProviders({ ...base, platform: 'darwin/arm64', checkLibrary: (name) => `${name}: cannot open shared object file`, gpuVisibility: async () => ({ gpus: [], error: null }) });
    expect(statuses.find((s) => s.backend === 'cuda')!.reason).toContain('no cuda provider for darwin/arm64');
  });

  it('falls back to cpu and reports cpu, never cuda, when cuda is unavailable', async () => {
    const engine = createOnnxEngine({ detect: { checkLibrary: (name) => `${name}: cannot open shared object file`, gpuVisibility: async () => ({ gpus: [], error: 'cuInit: CUDA_ERROR_NO_DEVICE (100)' }) } });
    const session = await engine.open();
    expect(session.info.backend).toBe('cpu');
    expect(session.executionProviders).toEqual(['cpu']);
    expect(session.skippedProviders.find((s) => s.backend === 'cuda')!.reason).toContain('CUDA_ERROR_NO_DEVICE');
  });

  it("plans the CUDA provider setup only for a pinned package (references/onnx-cuda-packages.yaml), never onnxruntime-node's unverified installer", () => {
    expect(() => planCudaSetup({ platform: 'linux/x64' })).toThrow(/refusing to install Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux .* unverified/);
    expect(planCudaSetup({ platform: 'darwin/arm64' })).toHaveProperty('unsupported');
  });
});
