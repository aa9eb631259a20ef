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
import { buildStandIn, standInDir } from './fake-cuda-libs/harness.js';
import { sharedDataDir } from './helpers/paths.js';

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

describe('a GPU provider that detection accepts but ONNX Runtime cannot use', () => {
  // Stand-in provider libraries and CUDA libraries pass the static checks; ONNX Runtime itself
  // loads its providers from its own folder, where this CPU-only install has none.
  const binDir = standInDir('ort-providers');
  beforeAll(() => {
    for (const file of ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']) buildStandIn(binDir, file);
  });
  const gpuNode = { binDir, checkLibrary: () => null, gpuVisibility: async () => ({ gpus: [{ name: 'NVIDIA H100 80GB HBM3' }], error: null }) };

  it('is skipped with ONNX Runtime\'s own error when the trial session fails', async () => {
    const statuses = await createOnnxEngine({ detect: gpuNode }).detect();
    const cuda = statuses.find((s) => s.backend === 'cuda')!;
    expect(cuda.available).toBe(false);
    expect(cuda.reason).toMatch(/^a test session on cuda failed: .*Failed to load shared library/);
  });

  it('fails the case (not error) when the trial passed but the real session cannot be created on the GPU', async () => {
    const engine = createOnnxEngine({ detect: { ...gpuNode, trialSession: async () => null } });
    const session = await engine.open({ backend: 'cuda' });
    expect(session.info.device).toBe('NVIDIA H100 80GB HBM3 (GPU 0)');
    const error = await helloOnnx(session, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MlcheckError);
    expect((error as Error).message).toMatch(/^onnxruntime cannot create a session on cuda although the model loads on the CPU: .*Failed to load shared library/);
  });

  it('still calls a model that loads nowhere a data error', async () => {
    const engine = createOnnxEngine({ detect: { ...gpuNode, trialSession: async () => null } });
    const session = await engine.open({ backend: 'cuda' });
    const file = path.join(binDir, 'broken.onnx');
    writeFileSync(file, 'not a model');
    await expect(session.createInferenceSession(file)).rejects.toMatchObject({ kind: 'data', message: expect.stringContaining(`onnxruntime cannot load the model ${file}`) });
  });
});
