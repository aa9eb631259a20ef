import { describe, expect, it } from 'vitest';
import { distModule } from './helpers/paths.js';
import { caseResult, metric, record } from './helpers/run-record-fixtures.js';

type ReferencesModule = typeof import('../src/runner/references.js');
type ReportModule = typeof import('../src/report/index.js');
const refs = (await import(distModule('runner/references.js'))) as ReferencesModule;
const { aggregateRepetitions, referencesFromBench, upsertNodeClass, nodeClassFor } = (await import(distModule('report/index.js'))) as ReportModule;

const FILE = `schemaVersion: 1
metrics:
  - { match: 'throughput|_per_s$', better: higher, kind: performance }
  - { match: '(^|_)(ms|latency)(_|$)', better: lower, kind: performance }
  - { match: 'accuracy', better: higher, kind: quality }
  - { match: 'error|loss', better: lower, kind: quality }
nodeClasses:
  - id: gpu-k40
    match: { gpu: 'Tesla K40' }
    references:
      quick:
        lenet/tfjs/tensorflow-gpu:
          ms_per_step_median: { value: 155, lower: -0.1, upper: 0.1, unit: ms }
  - id: cpu-epyc
    description: test class
    match: { cpu: '^AMD EPYC' }
    references:
      quick:
        lenet/tfjs/wasm:
          ms_per_step_median: { value: 100, lower: -0.05, upper: 0.05, unit: ms }
        lenet/tfjs:
          ms_per_step_median: { value: 200, lower: null, upper: 0.5, unit: ms }
`;
const file = refs.parseNodeReferences(FILE, 'test.yaml');
const cpuNode = { cpu: { brand: 'AMD EPYC 7B13 64-Core Processor' }, gpus: [] };
const k40Node = { cpu: { brand: 'AMD EPYC 7B13' }, gpus: [{ name: 'Tesla K40m' }, { name: 'Tesla K40m' }] };

describe('node classes', () => {
  it('matches the GPU model when there is a GPU, the CPU model otherwise', () => {
    expect(refs.matchNodeClass(file, cpuNode)?.id).toBe('cpu-epyc');
    expect(refs.matchNodeClass(file, k40Node)?.id).toBe('gpu-k40');
    expect(refs.matchNodeClass(file, { cpu: { brand: 'AMD EPYC' }, gpus: [{ name: 'NVIDIA A100-SXM4-40GB' }] })).toBeNull();
    expect(refs.matchNodeClass(file, { cpu: { brand: 'Intel(R) Xeon(R) Gold 6248' }, gpus: [] })).toBeNull();
    expect(refs.matchNodeClass(file, null)).toBeNull();
  });

  it("ships a class for this build machine's CPU, whichever brand string its probe reads", () => {
    const shipped = refs.loadNodeReferences();
    for (const brand of ['AMD EPYC', 'Oxide Virtual Turin-like Processor']) {
      expect(refs.matchNodeClass(shipped, { cpu: { brand }, gpus: [] })?.id).toBe('cpu-amd-epyc-2core');
    }
  });

  it('finds a case by workload/engine/backend, then workload/engine', () => {
    const epyc = refs.findNodeClass(file, 'cpu-epyc');
    const lenet = { workload: 'lenet', engine: 'tfjs', hyperparameters: {} };
    expect(refs.referencesFor(epyc, { ...lenet, profile: 'quick', backend: 'wasm' }).ms_per_step_median).toEqual({ value: 100, lower: -0.05, upper: 0.05, unit: 'ms', nodeClass: 'cpu-epyc' });
    expect(refs.referencesFor(epyc, { ...lenet, profile: 'quick', backend: 'cpu' }).ms_per_step_median?.value).toBe(200);
    expect(refs.referencesFor(epyc, { ...lenet, profile: 'standard', backend: 'wasm' })).toEqual({});
  });

  it('keys a workload run on an operator-chosen model by that model, never by another model', () => {
    const shipped = refs.findNodeClass(refs.loadNodeReferences(), 'cpu-amd-epyc-2core');
    const inception = { profile: 'quick' as const, workload: 'inception', engine: 'onnx', backend: 'cpu' };
    const mobilenet = refs.referencesFor(shipped, { ...inception, hyperparameters: { model: '/data/models/mobilenet_v2_1.0_224.onnx' } });
    expect(mobilenet.throughput_images_per_s?.unit).toBe('images/s');
    expect(refs.referencesFor(shipped, { ...inception, hyperparameters: { model: '/data/models/resnet50.onnx' } })).toEqual({});
    expect(() => refs.findNodeClass(file, 'nope')).toThrow(/no node class "nope" in test.yaml/);
  });

  it('names the key path, the expected form and the value of a mistake', () => {
    const broken = FILE.replace('lower: -0.05', 'lower: 0.05');
    expect(() => refs.parseNodeReferences(broken, 'bad.yaml')).toThrow(/bad.yaml at nodeClasses\[1\]\.references\.quick\.lenet\/tfjs\/wasm\.ms_per_step_median\.lower/);
    try {
      refs.parseNodeReferences(FILE.replace("better: higher, kind: performance", 'better: up, kind: performance'), 'bad.yaml');
      expect.unreachable();
    } catch (error) {
      expect((error as { details: { expected: string; found: string } }).details).toMatchObject({ expected: 'lower or higher', found: '"up"' });
    }
    expect(() => refs.parseNodeReferences(FILE.replace('quick:\n        lenet/tfjs/wasm', 'fast:\n        lenet/tfjs/wasm'), 'bad.yaml')).toThrow(/references\.fast/);
    expect(() => refs.parseNodeReferences('schemaVersion: 2\n', 'v.yaml')).toThrow(/v.yaml at schemaVersion/);
  });
});

describe('judging a metric against its reference', () => {
  const reference = { value: 100, lower: -0.05, upper: 0.05, unit: 'ms', nodeClass: 'cpu-epyc' };
  it('passes in bounds, warns outside, fails outside with strict, and is only info without a reference', () => {
    expect(refs.judgeMetric('ms_per_step_median', { value: 104, unit: 'ms' }, reference)).toMatchObject({ verdict: 'pass', reference: { value: 100, lower: -0.05, upper: 0.05 }, miss: null });
    const slow = refs.judgeMetric('ms_per_step_median', { value: 130, unit: 'ms' }, reference);
    expect(slow.verdict).toBe('warn');
    expect(slow.miss).toContain('+30.0% from the cpu-epyc reference 100');
    expect(refs.judgeMetric('ms_per_step_median', { value: 130, unit: 'ms' }, reference, { strict: true }).verdict).toBe('fail');
    expect(refs.judgeMetric('ms_per_step_median', { value: 130, unit: 'ms' }, null)).toMatchObject({ verdict: 'info', reference: null });
  });

  it('reads direction and kind from the shipped metric rules', () => {
    const rules = refs.loadNodeReferences().metrics;
    const read = (name: string) => {
      const rule = refs.metricRule(rules, name);
      return rule && [rule.better, rule.kind];
    };
    expect(read('ms_per_step_median')).toEqual(['lower', 'performance']);
    expect(read('latency_ms_p95')).toEqual(['lower', 'performance']);
    expect(read('throughput_images_per_s')).toEqual(['higher', 'performance']);
    expect(read('test_accuracy')).toEqual(['higher', 'quality']);
    expect(read('test_error_pct')).toEqual(['lower', 'quality']);
    expect(read('test_loss')).toEqual(['lower', 'quality']);
    expect(read('answer')).toBeNull();
  });
});

describe('bench aggregation and saved references', () => {
  const repetition = (ms: number, overrides = {}) =>
    record([caseResult('lenet', { backend: 'wasm', id: 'lenet/tfjs/wasm', metrics: { ms_per_step_median: metric(ms, 'ms'), test_error_pct: metric(0.8, '%', { threshold: { max: 1 }, verdict: 'pass' }) }, ...overrides })]);
  const epyc = refs.findNodeClass(file, 'cpu-epyc');

  it('judges the median of the repetitions, not any single one', () => {
    const inBounds = aggregateRepetitions([repetition(150), repetition(101), repetition(98)], { nodeClass: epyc });
    const c = inBounds.cases[0]!;
    expect(c.outcome).toBe('pass');
    expect(c.metrics.ms_per_step_median).toMatchObject({ value: 101, verdict: 'pass', reference: { value: 100 } });
    expect(c.metrics.test_error_pct).toMatchObject({ value: 0.8, verdict: 'pass', threshold: { max: 1 } });
    expect(c.details.bench).toMatchObject({ repetitions: 3, measured: 3, samples: { ms_per_step_median: [150, 101, 98] }, nodeClass: 'cpu-epyc' });

    const slow = aggregateRepetitions([repetition(150), repetition(120), repetition(98)], { nodeClass: epyc });
    expect(slow.cases[0]).toMatchObject({ outcome: 'warn', failPhase: 'performance' });
    expect(slow.cases[0]!.reason).toContain('ms_per_step_median 120 ms is +20.0% from the cpu-epyc reference 100');
    expect(aggregateRepetitions([repetition(150), repetition(120), repetition(98)], { nodeClass: epyc, strict: true }).cases[0]!.outcome).toBe('fail');
    expect(aggregateRepetitions([repetition(150)], { nodeClass: null }).cases[0]).toMatchObject({ outcome: 'pass', metrics: { ms_per_step_median: { verdict: 'info', reference: null } } });
  });

  it('keeps a crash in any repetition instead of hiding it under a median', () => {
    const crashed = repetition(0, { outcome: 'fail', failPhase: 'crash', reason: 'killed by SIGSEGV', metrics: {} });
    const result = aggregateRepetitions([repetition(100), crashed, repetition(100)], { nodeClass: epyc });
    expect(result.cases[0]).toMatchObject({ outcome: 'fail', failPhase: 'crash', reason: 'repetition 2 of 3: killed by SIGSEGV' });
  });

  it('saves the medians of speed metrics as a reference that then judges the same node in bounds', () => {
    const aggregated = aggregateRepetitions([repetition(90), repetition(80), repetition(85)], { nodeClass: null });
    const saved = referencesFromBench(aggregated, { rules: file.metrics, tolerance: 0.2 });
    expect(saved).toEqual({ 'lenet/tfjs/wasm': { ms_per_step_median: { value: 85, lower: -0.2, upper: 0.2, unit: 'ms' } } });
    const { id, match } = nodeClassFor({ kind: 'cpu', model: 'Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz' });
    expect(id).toBe('cpu-intel-xeon-gold-6248-cpu');
    const text = upsertNodeClass(null, { id, description: 'new', match, profile: 'quick', references: saved }, 'new.yaml');
    const reloaded = refs.parseNodeReferences(text, 'new.yaml');
    const matched = refs.matchNodeClass(reloaded, { cpu: { brand: 'Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz' }, gpus: [] });
    expect(matched?.id).toBe(id);
    expect(aggregateRepetitions([repetition(95)], { nodeClass: matched }).cases[0]!.outcome).toBe('pass');
    expect(aggregateRepetitions([repetition(120)], { nodeClass: matched }).cases[0]!.outcome).toBe('warn');

    const merged = refs.parseNodeReferences(upsertNodeClass(FILE, { id: 'cpu-epyc', description: '', match: { cpu: 'x' }, profile: 'quick', references: saved }, 'm.yaml'), 'm.yaml');
    const epycMerged = refs.findNodeClass(merged, 'cpu-epyc');
    expect(epycMerged.references.quick?.['lenet/tfjs/wasm']?.ms_per_step_median?.value).toBe(85);
    expect(epycMerged.references.quick?.['lenet/tfjs']?.ms_per_step_median?.value).toBe(200);
    expect(epycMerged.match).toEqual({ cpu: '^AMD EPYC' });
    expect(merged.nodeClasses.map((c) => c.id)).toEqual(['gpu-k40', 'cpu-epyc']);
  });
});
