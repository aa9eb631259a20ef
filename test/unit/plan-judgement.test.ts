/**
 * The plan carries each case's judgement (src/runner/plan.ts, plan-judgement.ts): resolved once
 * per workload and kept in the case spec, so run.json holds it and --resume judges with it. The
 * child is given only the images to classify. In memory: planning starts no process.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExpectedLabelsFile } from '../../src/references/expected-labels.js';
import { parseNodeReferences } from '../../src/references/node-references.js';
import { loadProfiles } from '../../src/references/profiles.js';
import { planCases } from '../../src/runner/plan.js';
import { judgeOlderPlan } from '../../src/runner/plan-judgement.js';
import type { CaseSpec } from '../../src/runner/types.js';

const profiles = loadProfiles();
const expectedLabels: ExpectedLabelsFile = {
  file: 'labels-test.yaml',
  profiles: { quick: [{ image: 'cat', top1: ['tabby'], minScore: 0 }, { image: 'panda', top1: ['giant panda'], minScore: 0.5 }] },
};
const nodeClass = parseNodeReferences(
  `schemaVersion: 1
nodeClasses:
  - id: cpu-test
    match: { cpu: 'EPYC' }
    references:
      quick:
        hello/onnx/cpu: { ms_median: { value: 1, lower: -0.5, upper: 0.5, unit: ms } }
        inception/onnx: { throughput_images_per_s: { value: 40, lower: -0.2, upper: null, unit: images/s } }
`,
  'nodes-test.yaml',
).nodeClasses[0]!;
const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-plan-judgement-'));

describe('the plan: one judgement per case, kept in its spec', () => {
  it('gives each case its thresholds, references and (for inception) expected labels, and inception the images they name', async () => {
    const plan = await planCases({ workloads: ['hello', 'inception'], engines: ['onnx'], backends: ['cpu'], profile: 'quick', seed: 1, profiles, outDir, nodeClass, expectedLabels });
    const [hello, inception] = plan;
    expect(hello!.judgement.thresholds).toEqual({ values: profiles.profiles.quick.workloads.hello!.thresholds, source: { file: profiles.file, key: 'profiles.quick.workloads.hello.thresholds' } });
    expect(hello!.judgement.references).toEqual({ nodeClass: 'cpu-test', byCaseKey: { 'hello/onnx/cpu': { ms_median: { value: 1, lower: -0.5, upper: 0.5, unit: 'ms' } } }, source: { file: 'nodes-test.yaml', key: 'nodeClasses[0].references.quick' } });
    expect(hello!.judgement.expectedLabels).toBeUndefined();
    expect(hello!.images).toBeUndefined();
    expect(inception!.judgement.expectedLabels).toEqual({ labels: expectedLabels.profiles.quick, source: { file: 'labels-test.yaml', key: 'profiles.quick' } });
    expect(inception!.images).toEqual(['cat', 'panda']);
    // The spec is what run.json keeps: the judgement survives it unchanged.
    expect(JSON.parse(JSON.stringify(inception)).judgement).toEqual(inception!.judgement);
  });

  it('judges a resumed plan with what was planned, and resolves a judgement only for a spec from an mlcheck that kept none', async () => {
    const [planned] = await planCases({ workloads: ['hello'], engines: ['onnx'], backends: ['cpu'], profile: 'quick', seed: 1, profiles, outDir, nodeClass, expectedLabels });
    const { judgement: _, ...older } = planned!;
    const [kept, resolved] = judgeOlderPlan([planned!, { ...older, id: 'older' } as CaseSpec], profiles, null);
    expect(kept).toBe(planned);
    expect(resolved!.judgement.thresholds.values).toEqual(planned!.judgement.thresholds.values);
    expect(resolved!.judgement.references).toBeNull();
  });
});
