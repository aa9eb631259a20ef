/**
 * A case's judgement, resolved once at plan time (src/references/case-judgement.ts), and a case's
 * raw output judged against exactly that judgement (src/references/judge-case.ts). In memory:
 * the files are given as loaded objects, no child process runs.
 */
import { describe, expect, it } from 'vitest';
import { resolveCaseJudgement, type CaseJudgement } from '../../src/references/case-judgement.js';
import type { ExpectedLabelsFile } from '../../src/references/expected-labels.js';
import { judgeCase } from '../../src/references/judge-case.js';
import { parseNodeReferences } from '../../src/references/node-references.js';
import type { ProfileFile } from '../../src/references/profiles.js';
import type { WorkloadOutput } from '../../src/workloads/types.js';

const profiles: ProfileFile = {
  file: '/etc/mlcheck/profiles.yaml',
  profiles: {
    smoke: { description: '', concurrentCases: 1, workloads: {} },
    quick: {
      description: '',
      concurrentCases: 1,
      workloads: {
        lenet: { params: {}, thresholds: { test_error_pct: { max: 8 }, least_variable_change: { min: 0.02 } }, timeoutSeconds: null },
        inception: { params: {}, thresholds: { expected_labels_missed: { max: 0 }, ran_on_requested_device: { min: 1 } }, timeoutSeconds: null },
      },
    },
    standard: { description: '', concurrentCases: 1, workloads: {} },
    reference: { description: '', concurrentCases: 1, workloads: {} },
  },
};

const expectedLabels: ExpectedLabelsFile = {
  file: '/etc/mlcheck/expected-labels.yaml',
  profiles: { quick: [{ image: 'panda', top1: ['giant panda'], minScore: 0, minScoreByModel: { 'mobilenet_v2_1.0_224': 0.9 } }] },
};

const nodes = parseNodeReferences(
  `schemaVersion: 1
nodeClasses:
  - id: gpu-k40
    match: { gpu: 'Tesla K40' }
  - id: cpu-epyc
    match: { cpu: 'EPYC' }
    references:
      quick:
        lenet/tfjs/wasm: { ms_per_step_median: { value: 100, lower: -0.05, upper: 0.05, unit: ms } }
        lenet/tfjs: { ms_per_step_median: { value: 200, lower: -0.05, upper: 0.05, unit: ms } }
        lenet/onnx/cpu: { ms_per_step_median: { value: 50, lower: -0.05, upper: 0.05, unit: ms } }
        iris/tfjs/wasm: { ms_per_step_median: { value: 1, lower: -0.05, upper: 0.05, unit: ms } }
        inception@mobilenet_v2_1.0_224.onnx/onnx/cpu: { throughput_images_per_s: { value: 40, lower: -0.2, upper: null, unit: images/s } }
      standard:
        lenet/tfjs/wasm: { ms_per_step_median: { value: 900, lower: -0.05, upper: 0.05, unit: ms } }
`,
  '/etc/mlcheck/nodes.yaml',
);
const epyc = nodes.nodeClasses[1]!;

const lenetOutput = (metrics: Record<string, number>, extra: Partial<WorkloadOutput> = {}): WorkloadOutput => ({
  metrics: Object.fromEntries(Object.entries(metrics).map(([name, value]) => [name, { value, unit: name.startsWith('ms_') ? 'ms' : name.endsWith('_pct') ? '%' : '' }])),
  hyperparameters: {},
  lines: ['Test error: 0.8%'],
  ...extra,
});

describe('resolveCaseJudgement: one judgement per case, each part with its file and key', () => {
  it("takes the workload's thresholds from the profile and the node class's references for this workload and engine", () => {
    const judgement = resolveCaseJudgement({ profiles, profile: 'quick', workload: 'lenet', engine: 'tfjs', expectedLabels: null, nodeClass: epyc });
    expect(judgement).toEqual({
      thresholds: {
        values: { test_error_pct: { max: 8 }, least_variable_change: { min: 0.02 } },
        source: { file: '/etc/mlcheck/profiles.yaml', key: 'profiles.quick.workloads.lenet.thresholds' },
      },
      references: {
        nodeClass: 'cpu-epyc',
        byCaseKey: {
          'lenet/tfjs/wasm': { ms_per_step_median: { value: 100, lower: -0.05, upper: 0.05, unit: 'ms' } },
          'lenet/tfjs': { ms_per_step_median: { value: 200, lower: -0.05, upper: 0.05, unit: 'ms' } },
        },
        source: { file: '/etc/mlcheck/nodes.yaml', key: 'nodeClasses[1].references.quick' },
      },
    });
  });

  it('gives a workload that classifies images its expected labels, and keeps references keyed by model', () => {
    const judgement = resolveCaseJudgement({ profiles, profile: 'quick', workload: 'inception', engine: 'onnx', expectedLabels, nodeClass: epyc });
    expect(judgement.expectedLabels).toEqual({ labels: expectedLabels.profiles.quick, source: { file: '/etc/mlcheck/expected-labels.yaml', key: 'profiles.quick' } });
    expect(Object.keys(judgement.references!.byCaseKey)).toEqual(['inception@mobilenet_v2_1.0_224.onnx/onnx/cpu']);
  });

  it('has no references without a node class, empty ones for a class without this profile, and empty thresholds for an unlisted workload', () => {
    expect(resolveCaseJudgement({ profiles, profile: 'quick', workload: 'lenet', engine: 'tfjs', expectedLabels: null, nodeClass: null }).references).toBeNull();
    expect(resolveCaseJudgement({ profiles, profile: 'quick', workload: 'lenet', engine: 'tfjs', expectedLabels: null, nodeClass: nodes.nodeClasses[0]! }).references).toEqual({
      nodeClass: 'gpu-k40',
      byCaseKey: {},
      source: { file: '/etc/mlcheck/nodes.yaml', key: 'nodeClasses[0].references.quick' },
    });
    expect(resolveCaseJudgement({ profiles, profile: 'smoke', workload: 'lenet', engine: 'tfjs', expectedLabels: null, nodeClass: null }).thresholds.values).toEqual({});
  });

  it('refuses a profile the expected-labels file has no list for, naming the file (a usage error, before anything runs)', () => {
    expect(() => resolveCaseJudgement({ profiles, profile: 'standard', workload: 'inception', engine: 'onnx', expectedLabels, nodeClass: null })).toThrow(
      expect.objectContaining({ kind: 'usage', message: '/etc/mlcheck/expected-labels.yaml has no list of expected labels for profile standard' }),
    );
  });
});

describe('judgeCase: the raw output against exactly the planned judgement', () => {
  const lenetTfjs = resolveCaseJudgement({ profiles, profile: 'quick', workload: 'lenet', engine: 'tfjs', expectedLabels: null, nodeClass: epyc });
  const ran = (backend: string) => ({ workload: 'lenet', engine: 'tfjs', backend });

  it('judges thresholds, then the reference of the backend the case ran on, else the engine-wide one', () => {
    const onWasm = judgeCase(lenetOutput({ test_error_pct: 0.8, least_variable_change: 0.5, ms_per_step_median: 130 }), lenetTfjs, { ran: ran('wasm'), strict: false });
    expect(onWasm.verdict).toMatchObject({ outcome: 'warn', failPhase: 'performance' });
    expect(onWasm.verdict.reason).toMatch(/^ms_per_step_median 130 ms is \+30\.0% from the cpu-epyc reference 100/);
    expect(onWasm.metrics.test_error_pct).toMatchObject({ threshold: { max: 8 }, verdict: 'pass' });
    const onCpu = judgeCase(lenetOutput({ test_error_pct: 0.8, least_variable_change: 0.5, ms_per_step_median: 200 }), lenetTfjs, { ran: ran('cpu'), strict: false });
    expect(onCpu.verdict.outcome).toBe('pass');
    expect(onCpu.metrics.ms_per_step_median!.reference).toEqual({ value: 200, lower: -0.05, upper: 0.05 });
    expect(judgeCase(lenetOutput({ test_error_pct: 0.8, least_variable_change: 0.5, ms_per_step_median: 130 }), lenetTfjs, { ran: ran('wasm'), strict: true }).verdict.outcome).toBe('fail');
    expect(judgeCase(lenetOutput({ test_error_pct: 9, least_variable_change: 0.5 }), lenetTfjs, { ran: ran('wasm'), strict: false }).verdict).toEqual({ outcome: 'fail', failPhase: 'sanity', reason: 'test_error_pct 9% > 8%' });
  });

  it('does not judge a metric the implementation says it cannot measure, and says why in the details', () => {
    const unmeasured = { least_variable_change: 'convolutional.py does not print its variables' };
    const judged = judgeCase(lenetOutput({ test_error_pct: 0.8 }, { unmeasured, details: { printedSteps: 3 } }), { ...lenetTfjs, references: null }, { ran: ran('cpu'), strict: false });
    expect(judged.verdict.outcome).toBe('pass');
    expect(judged.details).toEqual({ printedSteps: 3, unmeasured });
    expect(judged.lines).toEqual(['Test error: 0.8%']);
    expect(judgeCase(lenetOutput({ test_error_pct: 0.8 }), { ...lenetTfjs, references: null }, { ran: ran('cpu'), strict: false }).verdict.reason).toBe('least_variable_change was not measured');
  });

  it("judges an image classifier's answers by its expected labels, beside its top-1 score, and its reference by the model it ran", () => {
    const judgement: CaseJudgement = resolveCaseJudgement({ profiles, profile: 'quick', workload: 'inception', engine: 'onnx', expectedLabels, nodeClass: epyc });
    const output: WorkloadOutput = {
      metrics: { top1_score: { value: 0.5, unit: '' }, ran_on_requested_device: { value: 1, unit: '' }, throughput_images_per_s: { value: 10, unit: 'images/s' } },
      hyperparameters: { model: '/data/imagenet/mobilenet_v2_1.0_224.onnx' },
      lines: ['model: mobilenet_v2_1.0_224', 'cropped_panda.jpg:', 'giant panda (score = 0.50000)', 'nodes by provider: CPUExecutionProvider 63'],
      classifications: { modelId: 'mobilenet_v2_1.0_224', images: [{ image: 'panda', file: '/data/cropped_panda.jpg', top5: [{ index: 389, label: 'giant panda, panda', score: 0.5 }], linesEnd: 3 }] },
      details: { nodePlacement: { nodesOnCpu: [] } },
    };
    const judged = judgeCase(output, judgement, { ran: { workload: 'inception', engine: 'onnx', backend: 'cpu' }, strict: false });
    expect(Object.keys(judged.metrics)).toEqual(['top1_score', 'expected_labels_missed', 'ran_on_requested_device', 'throughput_images_per_s']);
    expect(judged.verdict).toEqual({ outcome: 'fail', failPhase: 'sanity', reason: 'expected_labels_missed 1 images > 0 images' });
    expect(judged.lines[3]).toBe('  expected top-1: giant panda with score >= 0.9 (mobilenet_v2_1.0_224)');
    expect(judged.details).toMatchObject({ nodePlacement: { nodesOnCpu: [] }, missed: ['panda: top-1 giant panda 0.50000, expected giant panda >= 0.9'] });
    expect(judged.metrics.throughput_images_per_s!.reference).toEqual({ value: 40, lower: -0.2, upper: null });
    // Another model is never judged by MobileNetV2's numbers.
    const other = judgeCase({ ...output, hyperparameters: { model: '/data/resnet50.onnx' } }, judgement, { ran: { workload: 'inception', engine: 'onnx', backend: 'cpu' }, strict: false });
    expect(other.metrics.throughput_images_per_s!.reference).toBeNull();
  });

  it('leaves a classifier that returned no answers unmeasured by its labels, so its threshold fails it', () => {
    const judgement = resolveCaseJudgement({ profiles, profile: 'quick', workload: 'inception', engine: 'onnx', expectedLabels, nodeClass: null });
    const judged = judgeCase({ metrics: { ran_on_requested_device: { value: 1, unit: '' } }, hyperparameters: {} }, judgement, { ran: { workload: 'inception', engine: 'onnx', backend: 'cpu' }, strict: false });
    expect(judged.verdict).toEqual({ outcome: 'fail', failPhase: 'sanity', reason: 'expected_labels_missed was not measured' });
  });
});
