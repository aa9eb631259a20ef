import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataAccess } from '../src/datasets/index.js';
import { onnxEngine, type OnnxSession } from '../src/engines/onnx/index.js';
import { judgeExpectedLabels, loadExpectedLabels, type ExpectedLabel } from '../src/references/expected-labels.js';
import { inception } from '../src/workloads/inception/index.js';
import { inceptionClassNames } from '../src/workloads/inception/labels.js';
import { classifyImages } from '../src/workloads/inception/classify-images.js';
import { resolveModel } from '../src/workloads/inception/resolve-model.js';
import type { WorkloadContext, WorkloadOutput } from '../src/workloads/types.js';
import { repoRoot, sharedDataDir } from './helpers/paths.js';

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

/** The workload's output with its labels judged, as the runner judges them (src/references/expected-labels.ts). */
function judged(output: WorkloadOutput, expectedLabels: readonly ExpectedLabel[]): WorkloadOutput {
  const labels = judgeExpectedLabels(output.classifications!, expectedLabels, output.lines);
  return { ...output, metrics: { ...output.metrics, ...labels.metrics }, lines: labels.lines, details: { ...output.details, ...labels.details } };
}

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
      images: loadExpectedLabels('standard').map((label) => label.image),
    };
    const output = judged(await inception.engines.onnx!(session, ctx), loadExpectedLabels('standard'));
    expect(output.lines!.slice(0, 2)).toEqual(['model: mobilenet_v2_1.0_224', 'cropped_panda.jpg:']);
    expect(output.lines![2]).toMatch(/^giant panda \(score = 0\.98\d{3}\)$/);
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

  it('without --model and no Inception-v3 staged, runs the shipped MobileNetV2 and says so', async () => {
    const packageOnly = createDataAccess({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-no-data-')), cacheDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-cache-')), download: false });
    const expectedLabels = loadExpectedLabels('quick');
    const ctx = { profile: 'quick', seed: 1, params: { ...inception.defaults, latencyRuns: 20, throughputRuns: 1 }, data: packageOnly, images: expectedLabels.map((label) => label.image), outDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-inception-')), signal: new AbortController().signal, progress: () => undefined } as WorkloadContext;
    const output = judged(await inception.engines.onnx!(session, ctx), expectedLabels);
    expect(output.hyperparameters).toMatchObject({ model: path.join(repoRoot, 'datasets', 'imagenet', 'mobilenet_v2_1.0_224.onnx'), modelId: 'mobilenet_v2_1.0_224' });
    expect(output.lines![0]).toBe("model: mobilenet_v2_1.0_224, shipped with mlcheck; run because inception_v3_2015_12_05 (the manual's model) is not staged");
    expect(output.lines![1]).toContain('stage inception_v3_2015_12_05.onnx');
    expect(output.details!.modelStandIn).toMatchObject({ for: 'inception_v3_2015_12_05' });
    expect(output.metrics.expected_labels_missed!.value).toBe(0);
    // Judged by MobileNetV2's own floor (0.9 in quick), not Inception-v3's (0.8).
    expect((output.details!.predictions as { minScore: number }[])[0]!.minScore).toBe(0.9);
  });

  it('judges each model by its own score floor: the same MobileNetV2 panda passes at 0.9 and fails at 0.99', async () => {
    const run = async (floor: number) => {
      const expectedLabels = [{ image: 'panda', top1: ['giant panda'], minScore: 0, minScoreByModel: { inception_v3_2015_12_05: 0.5, 'mobilenet_v2_1.0_224': floor } }];
      const ctx = { profile: 'quick', seed: 1, params: { ...inception.defaults, model, latencyRuns: 20, throughputRuns: 1 }, data, images: ['panda'], outDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-inception-')), signal: new AbortController().signal, progress: () => undefined } as WorkloadContext;
      return judged(await inception.engines.onnx!(session, ctx), expectedLabels);
    };
    expect((await run(0.9)).metrics.expected_labels_missed!.value).toBe(0);
    const failed = await run(0.99);
    expect(failed.metrics.expected_labels_missed!.value).toBe(1);
    expect(failed.lines).toContain('  expected top-1: giant panda with score >= 0.99 (mobilenet_v2_1.0_224)');
  });

  it('asks for the Inception-v3 staging when neither it nor the shipped model is there (a requirement: the case is skipped)', async () => {
    const env = { XDG_CACHE_HOME: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-cache-')), MLCHECK_PACKAGE_DATA_DIR: '' };
    await expect(resolveModel({ env, searchDirs: [] })).rejects.toMatchObject({ kind: 'requirement', message: expect.stringContaining('inception_v3_2015_12_05.onnx) is not staged, nor the shipped mobilenet_v2_1.0_224') });
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
