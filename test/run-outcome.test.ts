import { describe, expect, it } from 'vitest';
import type { ProbeSnapshot, Verdict } from '../src/probe/index.js';
import { decideRun } from '../src/references/run-outcome.js';
import { caseResult, record } from './helpers/run-record-fixtures.js';

const verdict = (subject: string, status: Verdict['status'], appliesToNode: boolean): Verdict => ({ subject, kind: 'gpu', status, reason: `${subject} ${status}`, fix: null, appliesToNode });
const probeWith = (verdicts: Verdict[]): ProbeSnapshot => ({ verdicts }) as unknown as ProbeSnapshot;

describe('decideRun: one decision for the exit code and the verdict line', () => {
  it('a failing node verdict fails a run whose cases all passed', () => {
    const run = record([caseResult('hello')], { probe: probeWith([verdict('gpu-driver', 'fail', true)]) });
    expect(decideRun(run)).toMatchObject({ status: 'fail', cause: { kind: 'node-verdict', verdict: { subject: 'gpu-driver' } } });
  });

  it('a failing verdict that does not apply to the node (a rule family) never fails it', () => {
    const run = record([caseResult('hello')], { probe: probeWith([verdict('gcc8', 'fail', false)]) });
    expect(decideRun(run).status).toBe('pass');
  });

  it('--strict fails skipped cases even when nothing ran (before "undecided")', () => {
    const run = record([caseResult('hello', { outcome: 'skip', reason: 'tfjs-node-gpu not installed' })]);
    expect(decideRun(run).status).toBe('undecided');
    expect(decideRun(run, { strict: true })).toMatchObject({ status: 'fail', cause: { kind: 'cases', why: 'skipped under --strict' } });
  });

  it('GPUs on PCI whose driver was never asked (gpu-driver skip, no native addon) leave a passing run undecided; a CPU node passes', () => {
    const withGpus = { verdicts: [verdict('gpu-driver', 'skip', true)], pci: { devices: [{ address: '0000:07:00.0' }], error: null }, gpus: [], jobScope: null } as unknown as ProbeSnapshot;
    expect(decideRun(record([caseResult('hello')], { probe: withGpus }))).toMatchObject({ status: 'undecided', cause: { kind: 'node-verdict', verdict: { subject: 'gpu-driver' } } });
    const cpuNode = { ...withGpus, pci: { devices: [], error: null } } as unknown as ProbeSnapshot;
    expect(decideRun(record([caseResult('hello')], { probe: cpuNode })).status).toBe('pass');
  });

  it('a failure outranks an undecided case; an undecided case outranks a pass', () => {
    const failing = record([caseResult('iris', { outcome: 'error', reason: 'corrupt' }), caseResult('lenet', { outcome: 'fail', reason: 'wrong' })]);
    expect(decideRun(failing).status).toBe('fail');
    expect(decideRun(record([caseResult('iris'), caseResult('lenet', { outcome: 'error', reason: 'corrupt' })])).status).toBe('undecided');
  });
});
