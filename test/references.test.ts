import { describe, expect, it } from 'vitest';
import { aggregateRepetitions } from '../src/references/bench-medians.js';
import { referencesFor } from '../src/references/case-key.js';
import { judgeMetrics } from '../src/references/judge.js';
import { findNodeClass, matchNodeClass, nodeClassFor } from '../src/references/node-class.js';
import { loadNodeReferences, metricRule, parseNodeReferences } from '../src/references/node-references.js';
import { referencesFromBench, upsertNodeClass } from '../src/references/reference-writer.js';
import { caseResult, metric, record } from './helpers/run-record-fixtures.js';

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
const file = parseNodeReferences(FILE, 'test.yaml');
const cpuNode = { cpu: { brand: 'AMD EPYC 7B13 64-Core Processor' }, gpus: [] };
const k40Node = { cpu: { brand: 'AMD EPYC 7B13' }, gpus: [{ name: 'Tesla K40m' }, { name: 'Tesla K40m' }] };

describe('node classes', () => {
  it('matches the GPU model when there is a GPU, the CPU model otherwise', () => {
    expect(matchNodeClass(file, cpuNode)?.id).toBe('cpu-epyc');
    expect(matchNodeClass(file, k40Node)?.id).toBe('gpu-k40');
    expect(matchNodeClass(file, { cpu: { brand: 'AMD EPYC' }, gpus: [{ name: 'NVIDIA A100-SXM4-40GB' }] })).toBeNull();
    expect(matchNodeClass(file, { cpu: { brand: 'Intel(R) Xeon(R) Gold 6248' }, gpus: [] })).toBeNull();
    expect(matchNodeClass(file, null)).toBeNull();
  });

  it("ships a class for this build machine's CPU, whichever brand string its probe reads", () => {
    const shipped = loadNodeReferences();
    for (const brand of ['AMD EPYC', 'Oxide Virtual Turin-like Processor']) {
      expect(matchNodeClass(shipped, { cpu: { brand }, gpus: [] })?.id).toBe('cpu-amd-epyc-2core');
    }
  });

  it('finds a case by workload/engine/backend, then workload/engine', () => {
    const epyc = findNodeClass(file, 'cpu-epyc');
    const lenet = { workload: 'lenet', engine: 'tfjs', hyperparameters: {} };
    expect(referencesFor(epyc, { ...lenet, profile: 'quick', backend: 'wasm' }).ms_per_step_median).toEqual({ value: 100, lower: -0.05, upper: 0.05, unit: 'ms', nodeClass: 'cpu-epyc' });
    expect(referencesFor(epyc, { ...lenet, profile: 'quick', backend: 'cpu' }).ms_per_step_median?.value).toBe(200);
    expect(referencesFor(epyc, { ...lenet, profile: 'standard', backend: 'wasm' })).toEqual({});
  });

  it('keys a workload run on an operator-chosen model by that model, never by another model', () => {
    const shipped = findNodeClass(loadNodeReferences(), 'cpu-amd-epyc-2core');
    const inception = { profile: 'quick' as const, workload: 'inception', engine: 'onnx', backend: 'cpu' };
    const mobilenet = referencesFor(shipped, { ...inception, hyperparameters: { model: '/data/models/mobilenet_v2_1.0_224.onnx' } });
    expect(mobilenet.throughput_images_per_s?.unit).toBe('images/s');
    expect(referencesFor(shipped, { ...inception, hyperparameters: { model: '/data/models/resnet50.onnx' } })).toEqual({});
    expect(() => findNodeClass(file, 'nope')).toThrow(/no node class "nope" in test.yaml/);
  });

  it.each([
    { mistake: 'a lower bound above 0', text: FILE.replace('lower: -0.05', 'lower: 0.05'), at: 'nodeClasses[1].references.quick.lenet/tfjs/wasm.ms_per_step_median.lower', found: '0.05' },
    { mistake: 'an unknown direction', text: FILE.replace('better: higher, kind: performance', 'better: up, kind: performance'), at: 'metrics[0].better', expected: 'lower or higher', found: '"up"' },
    { mistake: 'an unknown profile', text: FILE.replace('quick:\n        lenet/tfjs/wasm', 'fast:\n        lenet/tfjs/wasm'), at: 'nodeClasses[1].references.fast' },
    { mistake: 'another schema version', text: 'schemaVersion: 2\n', at: 'schemaVersion', expected: '1', found: '2' },
    { mistake: 'a node class id used twice', text: `${FILE}  - id: gpu-k40\n    match: { gpu: 'A100' }\n`, at: 'nodeClasses[2].id', found: '"gpu-k40"' },
    { mistake: 'a pattern that is no regular expression', text: FILE.replace("'Tesla K40'", "'Tesla ('"), at: 'nodeClasses[0].match.gpu', expected: "a regular expression on the probe's GPU name" },
  ])('names the file, the key path, the expected form and the value of $mistake', ({ text, at, expected, found }) => {
    const error = (() => {
      try {
        parseNodeReferences(text, 'bad.yaml');
      } catch (thrown) {
        return thrown as Error & { kind: string; details: { expected: string; found: string } };
      }
      throw new Error('expected the file to be rejected');
    })();
    expect(error.kind).toBe('usage');
    expect(error.message).toBe(`invalid node reference file bad.yaml at ${at}`);
    if (expected !== undefined) expect(error.details.expected).toBe(expected);
    if (found !== undefined) expect(error.details.found).toBe(found);
  });
});

describe('judging a metric against its reference', () => {
  const reference = { value: 100, lower: -0.05, upper: 0.05, unit: 'ms', nodeClass: 'cpu-epyc' };
  const judge = (value: number, options: { strict?: boolean; withReference?: boolean } = {}) =>
    judgeMetrics({ ms_per_step_median: { value, unit: 'ms' } }, { thresholds: {}, ...(options.withReference !== false && { references: { ms_per_step_median: reference } }), strict: options.strict === true });
  it.each([
    { case: 'in bounds', value: 104, verdict: 'pass', outcome: 'pass' },
    { case: 'outside', value: 130, verdict: 'warn', outcome: 'warn' },
    { case: 'outside under --strict', value: 130, strict: true, verdict: 'fail', outcome: 'fail' },
    { case: 'without a reference', value: 130, withReference: false, verdict: 'info', outcome: 'pass' },
  ])('a metric $case: $verdict, the case $outcome', ({ value, strict, withReference, verdict, outcome }) => {
    const judged = judge(value, { strict, withReference });
    expect(judged.metrics.ms_per_step_median!.verdict).toBe(verdict);
    expect(judged.verdict.outcome).toBe(outcome);
    expect(judged.verdict.failPhase).toBe(outcome === 'pass' ? null : 'performance');
  });

  it('says how far outside a reference a metric is, and shows the reference', () => {
    const slow = judge(130);
    expect(slow.referenceMisses[0]).toContain('+30.0% from the cpu-epyc reference 100');
    expect(slow.verdict.reason).toBe(slow.referenceMisses[0]);
    expect(judge(104).metrics.ms_per_step_median!.reference).toEqual({ value: 100, lower: -0.05, upper: 0.05 });
  });

  it('reads direction and kind from the shipped metric rules', () => {
    const rules = loadNodeReferences().metrics;
    const read = (name: string) => {
      const rule = metricRule(rules, name);
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
  const epyc = findNodeClass(file, 'cpu-epyc');

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
    const reloaded = parseNodeReferences(text, 'new.yaml');
    const matched = matchNodeClass(reloaded, { cpu: { brand: 'Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz' }, gpus: [] });
    expect(matched?.id).toBe(id);
    expect(aggregateRepetitions([repetition(95)], { nodeClass: matched }).cases[0]!.outcome).toBe('pass');
    expect(aggregateRepetitions([repetition(120)], { nodeClass: matched }).cases[0]!.outcome).toBe('warn');

    const merged = parseNodeReferences(upsertNodeClass(FILE, { id: 'cpu-epyc', description: '', match: { cpu: 'x' }, profile: 'quick', references: saved }, 'm.yaml'), 'm.yaml');
    const epycMerged = findNodeClass(merged, 'cpu-epyc');
    expect(epycMerged.references.quick?.['lenet/tfjs/wasm']?.ms_per_step_median?.value).toBe(85);
    expect(epycMerged.references.quick?.['lenet/tfjs']?.ms_per_step_median?.value).toBe(200);
    expect(epycMerged.match).toEqual({ cpu: '^AMD EPYC' });
    expect(merged.nodeClasses.map((c) => c.id)).toEqual(['gpu-k40', 'cpu-epyc']);
  });
});
