/**
 * Where ONNX Runtime ran each node, read from its real profiling output, and judged. No GPU here:
 * a real CPU profile is judged as if a GPU provider had been asked for, which is exactly what a
 * session that quietly fell back to the CPU would write.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOnnxEngine, onnxEngine, type OnnxSession } from '../src/engines/onnx/index.js';
import { describeMisplaced, judgePlacement } from '../src/engines/onnx/placement.js';
import { endProfiling, readNodePlacement, type NodePlacement } from '../src/engines/onnx/profile-file.js';
import { judgeMetrics } from '../src/references/judge.js';
import { loadProfiles } from '../src/references/profiles.js';
import { MlcheckError } from '../src/util/errors.js';
import { helloOnnx } from '../src/workloads/hello/onnx.js';
import type { WorkloadContext } from '../src/workloads/types.js';
import { buildStandInOrt } from './fake-ort-providers/harness.js';
import { sharedDataDir } from './helpers/paths.js';

// Before onnxruntime-node is first loaded in this file: it is the copy with the stand-in GPU
// providers (the CPU provider is the installed one's, unchanged).
process.env.MLCHECK_ONNXRUNTIME_NODE = buildStandInOrt().packageDir;

const context = (): WorkloadContext => ({
  profile: 'quick',
  seed: 1,
  params: { a: 10, b: 32 },
  data: { files: async () => ({}) },
  outDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-placement-')),
  signal: new AbortController().signal,
  progress: () => undefined,
});

let cpu: OnnxSession;
let helloProfile: string;
let mobilenetProfile: string;
beforeAll(async () => {
  cpu = await onnxEngine.open({ backend: 'cpu' });
  const output = await helloOnnx(cpu, context());
  helloProfile = (output.details!.nodePlacement as { profile: string }).profile;

  const prefix = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-mobilenet-profile-')), 'profile');
  const inference = await cpu.createInferenceSession(path.join(sharedDataDir, 'imagenet', 'mobilenet_v2_1.0_224.onnx'), { profileFilePrefix: prefix });
  await inference.run({ input: new cpu.ort.Tensor('float32', new Float32Array(224 * 224 * 3), [1, 224, 224, 3]) });
  mobilenetProfile = endProfiling(inference, prefix);
  await inference.release();
});

const thresholds = () => loadProfiles().profiles.quick.workloads.hello!.thresholds;

describe("ONNX Runtime's profile says which provider ran each node", () => {
  it('reads every node of the hello graph with its op and provider', () => {
    const placement = readNodePlacement(helloProfile);
    expect(placement.map((p) => `${p.opType}@${p.provider}`).sort()).toEqual(['Add@CPUExecutionProvider', 'Identity@CPUExecutionProvider', 'MatMul@CPUExecutionProvider']);
    expect(placement.find((p) => p.opType === 'MatMul')).toMatchObject({ node: 'matmul_check', runs: 1 });
  });

  it('passes the CPU run judged as the cpu provider it asked for', () => {
    const judgement = judgePlacement(readNodePlacement(helloProfile), 'cpu', 'every-node', helloProfile);
    expect(judgement.nodesOnCpu).toEqual([]);
    expect(judgement.judgedNodes).toBe(3);
  });

  it('fails the same run judged as if cuda had been asked for: every hello node must be on the GPU', () => {
    const judgement = judgePlacement(readNodePlacement(helloProfile), 'cuda', 'every-node', helloProfile);
    expect(judgement.allowedProviders).toEqual(['CUDAExecutionProvider']);
    expect(judgement.nodesOnCpu.map((p) => p.opType).sort()).toEqual(['Add', 'Identity', 'MatMul']);
    expect(describeMisplaced(judgement)).toContain('MatMul matmul_check ran on CPUExecutionProvider although cuda was asked for');
    // Through the same thresholds that judge every hello case.
    const judged = judgeMetrics(
      { sum: { value: 42, unit: '' }, greeting_matches: { value: 1, unit: '' }, matmul_max_rel_error: { value: 1e-7, unit: '' }, ran_on_requested_device: { value: judgement.nodesOnCpu.length === 0 ? 1 : 0, unit: '' } },
      { thresholds: thresholds() },
    );
    expect(judged.thresholdFailures).toEqual(['ran_on_requested_device 0 < 1']);
  });

  it('judges an image classifier by its compute nodes: a Conv on the CPU fails, shape ops there do not', () => {
    const real = readNodePlacement(mobilenetProfile);
    expect(real.filter((p) => p.opType === 'Conv').length).toBeGreaterThan(40);
    expect(judgePlacement(real, 'cpu', 'compute-nodes', mobilenetProfile).nodesOnCpu).toEqual([]);
    const asCuda = judgePlacement(real, 'cuda', 'compute-nodes', mobilenetProfile);
    expect(asCuda.nodesOnCpu.length).toBe(asCuda.judgedNodes);
    expect(asCuda.nodesOnCpu.every((p) => p.opType === 'Conv')).toBe(true);
    // The same classifier as a healthy CUDA run would show it: compute on the GPU, a shape op on the CPU by design.
    const onGpu: NodePlacement[] = real.map((p) => ({ ...p, provider: 'CUDAExecutionProvider' }));
    const shapeOnCpu: NodePlacement = { node: 'shape_0', opType: 'Shape', provider: 'CPUExecutionProvider', runs: 1 };
    expect(judgePlacement([...onGpu, shapeOnCpu], 'cuda', 'compute-nodes', 'x').nodesOnCpu).toEqual([]);
    const fusedOnCpu: NodePlacement = { node: 'conv_fused', opType: 'FusedConv', provider: 'CPUExecutionProvider', runs: 1 };
    expect(judgePlacement([...onGpu, fusedOnCpu], 'cuda', 'compute-nodes', 'x').nodesOnCpu).toEqual([fusedOnCpu]);
  });

  it('lets TensorRT hand nodes to CUDA (its designed fallback), never to the CPU', () => {
    const nodes: NodePlacement[] = [
      { node: 'TRTKernel_graph_mlcheck_hello_0', opType: 'TRTKernel_graph_mlcheck_hello_0', provider: 'TensorrtExecutionProvider', runs: 1 },
      { node: 'identity_greeting', opType: 'Identity', provider: 'CUDAExecutionProvider', runs: 1 },
    ];
    expect(judgePlacement(nodes, 'tensorrt', 'every-node', 'x').nodesOnCpu).toEqual([]);
    const add: NodePlacement = { node: 'add_a_b', opType: 'Add', provider: 'CPUExecutionProvider', runs: 1 };
    expect(judgePlacement([...nodes, add], 'tensorrt', 'every-node', 'x').nodesOnCpu).toEqual([add]);
  });

  it('cannot decide from a profile without node runs (an mlcheck error, not a node failure)', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-empty-profile-')), 'p.json');
    writeFileSync(file, JSON.stringify([{ cat: 'Session', name: 'model_run', args: {} }]));
    expect(() => judgePlacement(readNodePlacement(file), 'cuda', 'every-node', file)).toThrow(MlcheckError);
    expect(() => judgePlacement(readNodePlacement(file), 'cuda', 'every-node', file)).toThrow(/records no node runs/);
  });
});

describe('a GPU provider whose libraries load on a node with a visible GPU, but which does not work', () => {
  // The static requirements, answered for this process (its LD_LIBRARY_PATH cannot change now):
  // the CUDA libraries load, the probe sees a GPU. The provider libraries are ONNX Runtime's own
  // choice: it loads them from its folder, here the stand-in copy (MLCHECK_ONNXRUNTIME_NODE,
  // set before onnxruntime-node is first loaded), and the real trial session meets their failure.
  const gpuNode = {
    checkLibrary: () => null,
    gpuVisibility: async () => ({ gpus: [{ name: 'NVIDIA H100 80GB HBM3', index: 0, pciBusId: '0000:08:00.0', uuid: 'GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f' }], error: null }),
  };
  const h100 = { ordinal: 0, pciBusId: '0000:08:00.0', uuid: 'GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f', name: 'NVIDIA H100 80GB HBM3', notComputed: null };

  it('is faulty, with ONNX Runtime\'s own error, when the real trial session fails', async () => {
    const statuses = await createOnnxEngine({ detect: gpuNode }).detect();
    const cuda = statuses.find((s) => s.backend === 'cuda')!;
    expect(cuda).toMatchObject({ available: false, faulty: true });
    expect(cuda.reason).toMatch(/^a test session on cuda \(CUDAExecutionProvider\) failed on GPU 0: CUDA failure 214: uncorrectable ECC error encountered ; GPU=0 ;/);
  });

  it('fails the case (a plain Error, not a skip or an error) naming the provider, the GPU and the error', async () => {
    const error = await createOnnxEngine({ detect: gpuNode })
      .open({ backend: 'cuda', gpus: [h100] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MlcheckError);
    expect((error as Error).message).toMatch(
      /^onnx cuda: a test session on cuda \(CUDAExecutionProvider\) failed on GPU 0 \(0000:08:00\.0, GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f\): CUDA failure 214: uncorrectable ECC error encountered ; GPU=0 ;/,
    );
  });

  it('still skips when a provider library cannot be loaded (a missing requirement, not a fault)', async () => {
    const missingCudnn = { ...gpuNode, checkLibrary: (soname: string) => (soname === 'libcudnn.so.9' ? 'libcudnn.so.9: cannot open shared object file: No such file or directory' : null) };
    const error = await createOnnxEngine({ detect: missingCudnn })
      .open({ backend: 'cuda', gpus: [h100] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlcheckError);
    expect((error as MlcheckError).kind).toBe('requirement');
    expect((error as Error).message).toContain('libcudnn.so.9 (cuDNN 9)');
  });
});
