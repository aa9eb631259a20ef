/**
 * Drain reasons name their source, profile and failing subjects, and `slurm check` undoes only
 * its own drains whose subjects it has just re-checked and passed. The real scontrol round trip
 * is in test/slurm.test.ts; here every combination of reason and check result, without Slurm.
 */
import { describe, expect, it } from 'vitest';
import { decideNodeAction, type NodeActionRequest } from '../src/slurm/drain-policy.js';
import { formatDrainReason, parseDrainReason, REASON_MAX_LENGTH } from '../src/slurm/drain-reason.js';

describe('formatDrainReason / parseDrainReason', () => {
  it('writes source, profile, subject and detail, dropping what the verdict line repeats', () => {
    const verdict = formatDrainReason({ source: 'check', profile: 'smoke', subjects: ['gpu-ecc'], word: 'FAIL', detail: 'mlcheck: FAIL gpu-ecc: GPU 1 (0000:08:00.0): 3 volatile uncorrectable ECC errors' });
    expect(verdict).toBe('mlcheck check/smoke: FAIL gpu-ecc: GPU 1 (0000:08:00.0): 3 volatile uncorrectable ECC errors');
    const cases = formatDrainReason({ source: 'sweep', profile: 'quick', subjects: ['lenet/onnx/cuda', 'iris/onnx/cuda'], word: 'FAIL', detail: 'mlcheck: FAIL lenet/onnx test error 31.2% > 8 (+1 more)' });
    expect(cases).toBe('mlcheck sweep/quick: FAIL lenet/onnx/cuda,iris/onnx/cuda: test error 31.2% > 8 (+1 more)');
    expect(parseDrainReason(cases)).toMatchObject({ format: 'tagged', source: 'sweep', profile: 'quick', word: 'FAIL', subjects: ['lenet/onnx/cuda', 'iris/onnx/cuda'], subjectsComplete: true });
    expect(parseDrainReason('mlcheck outlier/quick: SLOW lenet/tfjs/wasm: epoch_seconds 9.1 s is 25.0% higher than the fleet median')).toMatchObject({ source: 'outlier', subjects: ['lenet/tfjs/wasm'] });
  });

  it('stays within Slurm\'s reason length; subjects that do not fit are counted, and such a list is incomplete', () => {
    const subjects = Array.from({ length: 20 }, (_, i) => `workload${i}/onnx/cuda`);
    const reason = formatDrainReason({ source: 'check', profile: 'quick', subjects, word: 'FAIL', detail: `mlcheck: FAIL ${'x'.repeat(400)}` });
    expect(reason.length).toBeLessThanOrEqual(REASON_MAX_LENGTH);
    const parsed = parseDrainReason(reason);
    expect(parsed).toMatchObject({ format: 'tagged', subjectsComplete: false });
    expect(reason).toMatch(/,\+\d+: /);
  });

  it("the old 'mlcheck:' prefix is still mlcheck's (subject unknown); anything else is an admin's", () => {
    expect(parseDrainReason('mlcheck: FAIL lenet/onnx/cuda test_error_pct 31.2% (max 8)')).toEqual({ format: 'legacy' });
    expect(parseDrainReason('maintenance: replace PSU')).toBeNull();
    expect(parseDrainReason('mlcheck is broken here, do not resume (alice)')).toBeNull();
    expect(parseDrainReason(null)).toBeNull();
  });
});

describe('decideNodeAction: slurm check resumes only what it drained and has just re-checked', () => {
  const drained = (reason: string) => ({ name: 'node02', states: ['idle', 'drain'], reason });
  const check = (verdict: NodeActionRequest['verdict'], passed: string[], failed: string[] = []): NodeActionRequest => ({
    source: 'check',
    verdict,
    drainReason: formatDrainReason({ source: 'check', profile: 'smoke', subjects: failed, word: 'FAIL', detail: 'mlcheck: FAIL something' }),
    passed,
    failed,
  });
  const smokePassed = ['gpu-driver', 'gpu-count', 'gpu-ecc', 'hello/onnx/cuda', 'hello/tfjs/tensorflow-gpu'];

  it("resumes its own drain once every subject it names passed; keeps it while one was not re-checked", () => {
    expect(decideNodeAction(drained('mlcheck check/smoke: FAIL gpu-ecc: 3 volatile uncorrectable ECC errors'), check('pass', smokePassed))).toMatchObject({ kind: 'resume' });
    const quick = decideNodeAction(drained('mlcheck check/quick: FAIL lenet/onnx/cuda: test error 31.2% > 8'), check('pass', smokePassed));
    expect(quick).toMatchObject({ kind: 'none', why: expect.stringContaining('did not re-check and pass lenet/onnx/cuda: run mlcheck slurm check --profile quick') });
  });

  it.each([
    ['a sweep', 'mlcheck sweep/quick: FAIL lenet/onnx/cuda: test error 31.2% > 8', /never resumes a sweep's drain/],
    ['an outlier', 'mlcheck outlier/quick: SLOW lenet/onnx/cuda: 25% slower', /never resumes a sweep's drain/],
    ['a sweep, for a subject this check passed', 'mlcheck sweep/smoke: FAIL gpu-driver: cuInit failed', /never resumes a sweep's drain/],
    ['mlcheck before drain reasons named their subject', 'mlcheck: FAIL lenet/onnx/cuda test_error_pct 31.2% (max 8)', /what failed is unknown/],
    ['an admin', 'maintenance: replace PSU', /keeps its admin's reason/],
  ])('never resumes a drain by %s', (_who, reason, why) => {
    const action = decideNodeAction(drained(reason), check('pass', [...smokePassed, 'lenet/onnx/cuda']));
    expect(action.kind).toBe('none');
    expect(action.why).toMatch(why);
  });

  it("a failing check leaves another source's drain (and an admin's) as it is, and re-drains its own", () => {
    const failing = check('fail', ['gpu-driver'], ['gpu-ecc']);
    expect(decideNodeAction(drained('mlcheck sweep/quick: FAIL lenet/onnx/cuda: test error 31.2% > 8'), failing)).toMatchObject({ kind: 'none', why: expect.stringContaining('stays drained by mlcheck slurm sweep --drain (profile quick) for lenet/onnx/cuda') });
    expect(decideNodeAction(drained('maintenance: replace PSU'), failing)).toMatchObject({ kind: 'none' });
    expect(decideNodeAction(drained('mlcheck check/smoke: FAIL gpu-ecc: 1 error'), failing)).toMatchObject({ kind: 'drain', reason: 'mlcheck check/smoke: FAIL gpu-ecc: something' });
    expect(decideNodeAction({ name: 'node02', states: ['idle'], reason: null }, failing)).toMatchObject({ kind: 'drain' });
  });

  it('a sweep drains over an mlcheck drain (its reason then sticks), never over an admin\'s', () => {
    const sweep: NodeActionRequest = { source: 'sweep', verdict: 'fail', drainReason: 'mlcheck sweep/quick: FAIL lenet/onnx/cuda: x', passed: [], failed: ['lenet/onnx/cuda'] };
    expect(decideNodeAction(drained('mlcheck check/smoke: FAIL gpu-ecc: 1 error'), sweep)).toMatchObject({ kind: 'drain' });
    expect(decideNodeAction(drained('maintenance: replace PSU'), sweep)).toMatchObject({ kind: 'none' });
  });

  it('undecided and bad usage never act', () => {
    expect(decideNodeAction(drained('mlcheck check/smoke: FAIL gpu-ecc: 1'), check('undecided', smokePassed)).kind).toBe('none');
    expect(decideNodeAction({ name: 'node02', states: ['idle'], reason: null }, check('usage', [])).kind).toBe('none');
  });
});
