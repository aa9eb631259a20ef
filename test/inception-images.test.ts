import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataAccess } from '../src/datasets/index.js';
import { onnxEngine, type OnnxSession } from '../src/engines/onnx/index.js';
import { loadExpectedLabels } from '../src/references/expected-labels.js';
import { inception } from '../src/workloads/inception/index.js';
import { inceptionClassNames } from '../src/workloads/inception/labels.js';
import { classifyImages } from '../src/workloads/inception/classify-images.js';
import type { WorkloadContext } from '../src/workloads/types.js';
import { sharedDataDir } from './helpers/paths.js';

const model = path.join(sharedDataDir, 'imagenet', 'mobilenet_v2_1.0_224.onnx');
const data = createDataAccess({ dataDir: sharedDataDir, download: false });

// The table of ../shared/data/PROVENANCE.md: MobileNetV2 top-1 and score per image.
const provenance = [
  { file: 'cropped_panda.jpg', index: 389, name: 'giant panda', score: 0.984 },
  { file: 'grace_hopper.jpg', index: 653, name: 'military uniform', score: 0.725 },
  { file: 'cat.png', index: 286, name: 'Egyptian cat', score: 0.849 },
  { file: 'hot_dog.jpg', index: 935, name: 'hotdog', score: 0.974 },
  { file: 'parrot.jpg', index: 89, name: 'macaw', score: 0.998 },
];

let session: OnnxSession;
beforeAll(async () => {
  session = await onnxEngine.open({ backend: 'cpu' });
});

describe('the test model on every shared image (CPU)', () => {
  it('gives the top-1 and scores of PROVENANCE.md to within 0.02', async () => {
    const { results } = await classifyImages({ session, data, model, images: provenance.map((p) => path.join(sharedDataDir, 'images', p.file)) });
    for (const [i, expected] of provenance.entries()) {
      const top = results[i]!.predictions[0]!;
      expect({ file: expected.file, index: top.index, name: top.label.split(',')[0] }).toEqual({ file: expected.file, index: expected.index, name: expected.name });
      expect(Math.abs(top.score - expected.score), `${expected.file}: ${top.score}`).toBeLessThanOrEqual(0.02);
    }
  });

  it('runs the inception workload (standard profile) with the model passed as a param', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-inception-'));
    const ctx: WorkloadContext = {
      profile: 'standard',
      seed: 1,
      params: { ...inception.defaults, model, latencyRuns: 20, batch: 8, throughputRuns: 1 },
      data,
      outDir,
      signal: new AbortController().signal,
      progress: () => undefined,
      expectedLabels: loadExpectedLabels('standard'),
    };
    const output = await inception.engines.onnx!(session, ctx);
    expect(output.lines![0]).toBe('cropped_panda.jpg:');
    expect(output.lines![1]).toMatch(/^giant panda \(score = 0\.98\d{3}\)$/);
    expect(output.metrics.expected_labels_missed!.value).toBe(0);
    for (const metric of ['latency_ms_median', 'latency_ms_p95', 'throughput_images_per_s', 'model_load_ms']) expect(output.metrics[metric]!.value).toBeGreaterThan(0);
    expect(output.hyperparameters.latencyRuns).toBe(20);
    // Where each node ran, from ONNX Runtime's profile of the classification runs, kept in the case's directory.
    expect(output.metrics.ran_on_requested_device!.value).toBe(1);
    const placement = output.details!.nodePlacement as { profile: string; scope: string; nodes: { opType: string; provider: string; runs: number }[]; nodesOnCpu: unknown[] };
    expect(placement).toMatchObject({ scope: 'compute-nodes', nodesOnCpu: [] });
    expect(path.dirname(placement.profile)).toBe(outDir);
    expect(output.artifacts).toEqual([placement.profile]);
    expect(readdirSync(outDir).filter((f) => f.startsWith('onnx-profile-inception_'))).toHaveLength(1);
    const convs = placement.nodes.filter((n) => n.opType === 'Conv');
    expect(convs.length).toBeGreaterThan(40);
    // Five images profiled once each; the latency and throughput runs after them are not.
    for (const node of placement.nodes) expect(node).toMatchObject({ provider: 'CPUExecutionProvider', runs: 5 });
    expect(output.lines!.some((l) => /^nodes by provider: CPUExecutionProvider \d+ \(.*Conv \d+/.test(l))).toBe(true);
  });

  it('without --model asks for the Inception-v3 staging (a requirement, so the case is skipped)', async () => {
    const ctx = { profile: 'quick', seed: 1, params: inception.defaults, data, outDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-inception-')), signal: new AbortController().signal, progress: () => undefined } as WorkloadContext;
    await expect(inception.engines.onnx!(session, ctx)).rejects.toMatchObject({ kind: 'requirement', message: expect.stringContaining('inception_v3_2015_12_05.onnx') });
  });

  it("maps Inception-v3's 1008 outputs through the .pbtxt and synset maps", async () => {
    const files = await data.files('imagenet-labels');
    const names = inceptionClassNames(files.labelMapPbtxt!, files.synsetToHuman!, 1008);
    expect(names).toHaveLength(1008);
    expect(names[169]).toMatch(/^giant panda, panda/);
    expect(names.filter((n) => n !== '')).toHaveLength(1000);
    expect(() => inceptionClassNames(files.labelMapPbtxt!, files.synsetToHuman!, 1000)).toThrow(/maps class \d+ but the model has 1000 outputs/);
  });
});
