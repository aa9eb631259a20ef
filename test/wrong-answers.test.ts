/**
 * docs/design.md §4: a wrong answer is `fail` (phase sanity, judged by profiles.yaml's thresholds),
 * never `error`; `error` stays for what cannot be decided (a corrupt model). Through the real
 * runner, each case in its own process, as `mlcheck run` does.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { encodeOnnxModel } from '../src/engines/onnx/onnx-model-builder.js';
import { compareProduct, createMatmulCheck, MATMUL_ERROR_BOUND } from '../src/workloads/hello/matmul-check.js';
import { judgeMetrics } from '../src/references/judge.js';
import { loadProfiles } from '../src/references/profiles.js';
import { runPlan } from '../src/runner/run.js';
import { fixtureWorkload, sharedDataDir } from './helpers/paths.js';

function run(options: Partial<Parameters<typeof runPlan>[0]>) {
  return runPlan({
    engines: ['tfjs', 'onnx'],
    backends: ['cpu'],
    profile: 'quick',
    seed: 1,
    outDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-wrong-')),
    probe: null,
    commandLine: ['test'],
    dataDir: sharedDataDir,
    ...options,
  });
}

describe('hello: a wrong answer fails, judged by the thresholds', () => {
  it('passes 10 + 32 on both engines, with every check measured and judged', async () => {
    const record = await run({ workloads: ['hello'] });
    expect(record.cases.map((c) => [c.id, c.outcome])).toEqual([
      ['hello/tfjs/cpu', 'pass'],
      ['hello/onnx/cpu', 'pass'],
    ]);
    for (const c of record.cases) {
      for (const metric of ['sum', 'greeting_matches', 'matmul_max_rel_error', 'ran_on_requested_device']) expect(c.metrics[metric], `${c.id} ${metric}`).toMatchObject({ verdict: 'pass' });
    }
    const placement = record.cases[1]!.details.nodePlacement as { profile: string; nodes: unknown[] };
    expect(placement.nodes).toHaveLength(3);
    expect(placement.profile.startsWith(record.session.outDir)).toBe(true);
  });

  // The shipped hello on an engine that computes one thing wrongly (test/fixtures/workloads/hello-broken-engine.mjs).
  const brokenEngine = (corrupt: string) => run({ workloads: ['hello'], extraWorkloadModules: [fixtureWorkload('hello-broken-engine')], paramOverrides: { hello: { corrupt } } });

  it('fails (not error) an engine whose integer Add is off by one, on both engines', async () => {
    const record = await brokenEngine('sum');
    for (const c of record.cases) {
      expect(c, c.id).toMatchObject({ outcome: 'fail', failPhase: 'sanity', reason: 'sum 43 > 42' });
      expect(c.metrics.sum).toMatchObject({ value: 43, verdict: 'fail' });
    }
  });

  it('fails an engine that returns the greeting altered', async () => {
    const record = await brokenEngine('greeting');
    for (const c of record.cases) expect(c, c.id).toMatchObject({ outcome: 'fail', failPhase: 'sanity', reason: 'greeting_matches 0 < 1' });
    expect(record.cases[0]!.lines[0]).toBe("b'Hello, TensorFlow?'");
  });

  it('fails an engine whose MatMul silently corrupts one element', async () => {
    const record = await brokenEngine('matmul');
    for (const c of record.cases) {
      expect(c, c.id).toMatchObject({ outcome: 'fail', failPhase: 'sanity', reason: expect.stringMatching(/^matmul_max_rel_error 0\.\d+ > 0\.00200$/) });
      expect(c.details.matmul).toMatchObject({ worst: { row: 5, column: 7 } });
    }
  });

  it('judges the sum by the threshold, whatever a and b the profile gives', async () => {
    const record = await run({ workloads: ['hello'], paramOverrides: { hello: { b: 31 } } });
    for (const c of record.cases) expect(c, c.id).toMatchObject({ outcome: 'fail', failPhase: 'sanity', reason: 'sum 41 < 42' });
  });

  it('fails a MatMul that disagrees with the float64 reference (silent data corruption)', () => {
    const thresholds = loadProfiles().profiles.quick.workloads.hello!.thresholds;
    // The stated tolerance sits above the derived float32 + TF32 bound, and far below corruption.
    expect(thresholds.matmul_max_rel_error!.max).toBeGreaterThanOrEqual(MATMUL_ERROR_BOUND);
    expect(thresholds.matmul_max_rel_error!.max).toBeLessThan(5e-3);

    const check = createMatmulCheck(1);
    const healthy = Float32Array.from(check.reference);
    const judge = (product: Float32Array) =>
      judgeMetrics({ sum: { value: 42, unit: '' }, greeting_matches: { value: 1, unit: '' }, ran_on_requested_device: { value: 1, unit: '' }, matmul_max_rel_error: { value: compareProduct(check, product).maxRelativeError, unit: '' } }, { thresholds });
    expect(judge(healthy).thresholdFailures).toEqual([]);

    // One flipped bit high in the mantissa of one element.
    const flipped = Float32Array.from(healthy);
    const bits = new Uint32Array(flipped.buffer);
    bits[12_345]! ^= 1 << 21;
    expect(judge(flipped).thresholdFailures).toEqual([expect.stringMatching(/^matmul_max_rel_error 0\.0\d+ > 0\.00200$/)]);
    // A tile left unwritten (zeros), and a NaN.
    const tile = Float32Array.from(healthy);
    for (let row = 0; row < 16; row++) tile.fill(0, row * check.columns, row * check.columns + 16);
    expect(judge(tile).thresholdFailures).toHaveLength(1);
    const nan = Float32Array.from(healthy);
    nan[7] = Number.NaN;
    expect(judge(nan).thresholdFailures).toEqual(['matmul_max_rel_error Infinity is not a finite number']);
  });
});

/**
 * A stand-in classifier with MobileNetV2's interface that always answers class 2 (goldfish; 0 is background, 1 tench):
 * logits = ReduceMean(image)·0 + bias. The node "computes" and the answer is wrong.
 */
function goldfishModel(dir: string): string {
  const classes = 1001;
  const bias = Array.from({ length: classes }, (_, i) => (i === 2 ? 10 : 0));
  const file = path.join(dir, 'goldfish.onnx');
  writeFileSync(
    file,
    encodeOnnxModel({
      graphName: 'always_goldfish',
      nodes: [
        { opType: 'ReduceMean', inputs: ['input'], outputs: ['channel_means'], intAttributes: { axes: [1, 2], keepdims: 0 } },
        { opType: 'Constant', inputs: [], outputs: ['weights'], tensorAttributes: { value: { dataType: 'float32', dims: [3, classes], values: new Array<number>(3 * classes).fill(0) } } },
        { opType: 'Constant', inputs: [], outputs: ['bias'], tensorAttributes: { value: { dataType: 'float32', dims: [classes], values: bias } } },
        { opType: 'MatMul', inputs: ['channel_means', 'weights'], outputs: ['scaled'] },
        { opType: 'Add', inputs: ['scaled', 'bias'], outputs: ['logits'] },
      ],
      inputs: [{ name: 'input', dataType: 'float32', dims: ['N', 224, 224, 3] }],
      outputs: [{ name: 'logits', dataType: 'float32', dims: ['N', classes] }],
    }),
  );
  const sidecar = {
    id: 'always-goldfish',
    title: 'test stand-in that answers goldfish for every image',
    input: { name: 'input', layout: 'NHWC', size: [224, 224], channels: 'RGB', normalization: { mean: [128, 128, 128], std: [128, 128, 128] } },
    crop: { kind: 'central-square' },
    resize: 'bilinear',
    labels: { kind: 'lines', file: 'imagenet_labels.txt', offset: 0 },
    output: { name: 'logits', kind: 'logits', classes },
  };
  writeFileSync(path.join(dir, 'goldfish.yaml'), stringify(sidecar));
  return file;
}

describe('inception: a misclassification fails, a corrupt model is undecided', () => {
  it('fails a model that calls the panda a goldfish, naming the miss', async () => {
    const model = goldfishModel(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-goldfish-')));
    const record = await run({ workloads: ['inception'], engines: ['onnx'], paramOverrides: { inception: { model } } });
    const [c] = record.cases;
    expect(c).toMatchObject({ id: 'inception/onnx/cpu', outcome: 'fail', failPhase: 'sanity', reason: 'expected_labels_missed 1 images > 0 images' });
    // A model that references/expected-labels.yaml does not list is judged on its label alone (no score floor).
    expect(c!.details.missed).toEqual([expect.stringMatching(/^panda: top-1 goldfish 0\.9\d+, expected giant panda$/)]);
    expect(c!.metrics.ran_on_requested_device).toMatchObject({ value: 1, verdict: 'pass' });
  });

  it('leaves a truncated model undecided (error), never failed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-truncated-'));
    const model = goldfishModel(dir);
    writeFileSync(model, readFileSync(model).subarray(0, 200));
    copyFileSync(path.join(dir, 'goldfish.yaml'), path.join(dir, 'goldfish.onnx.yaml'));
    const record = await run({ workloads: ['inception'], engines: ['onnx'], paramOverrides: { inception: { model } } });
    expect(record.cases[0]).toMatchObject({ outcome: 'error', failPhase: 'run' });
    expect(record.cases[0]!.reason).toContain(`onnxruntime cannot load the model ${model}`);
  });
});
