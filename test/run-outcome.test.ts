import { describe, expect, it } from 'vitest';
import type { ProbeSnapshot, Verdict } from '../src/probe/index.js';
import { decideRun, withDecision } from '../src/references/run-outcome.js';
import { runSubjects } from '../src/references/run-subjects.js';
import { caseResult, record } from './helpers/run-record-fixtures.js';

const verdict = (subject: string, status: Verdict['status'], appliesToNode: boolean): Verdict => ({ subject, kind: 'gpu', status, reason: `${subject} ${status}`, fix: null, appliesToNode });
/** A CPU node's snapshot with these verdicts. */
const probeWith = (verdicts: Verdict[]): ProbeSnapshot => ({ verdicts, pci: { devices: [], error: null }, gpus: [], jobScope: null }) as unknown as ProbeSnapshot;

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

  // The snapshot of a GPU node whose every health source was read; each test breaks one.
  const gpuNode = (overrides: Partial<ProbeSnapshot> = {}): ProbeSnapshot =>
    ({
      verdicts: [verdict('gpu-driver', 'pass', true), verdict('gpu-ecc', 'pass', true)],
      source: 'native',
      fallbackReason: null,
      pci: { devices: [{ address: '0000:07:00.0' }], error: null },
      gpus: [],
      jobScope: null,
      gpuError: null,
      gpuErrorKind: null,
      nvmlError: null,
      kernelLog: { source: '/dev/kmsg', error: null, xids: [] },
      ...overrides,
    }) as unknown as ProbeSnapshot;
  const passingRun = (probe: ProbeSnapshot) => decideRun(record([caseResult('hello')], { probe }));

  it('a GPU node whose health sources were all read passes', () => {
    expect(passingRun(gpuNode()).status).toBe('pass');
  });

  it.each([
    ['no native addon (the driver was never asked)', { source: 'fallback', fallbackReason: 'fell back to /proc/cpuinfo and /proc/meminfo: no addon', gpuError: 'not probed', gpuErrorKind: 'not-probed', nvmlError: 'not probed' }, 'native addon', /npm rebuild mlcheck/],
    ['NVML not loaded', { nvmlError: 'libnvidia-ml.so.1 not found: NVML is not installed' }, 'NVML', /libnvidia-ml\.so\.1/],
    ['NVML not initialised', { nvmlError: 'libnvidia-ml.so.1: nvmlInit_v2: NVML_ERROR_DRIVER_NOT_LOADED (9)' }, 'NVML', /libnvidia-ml\.so\.1/],
    ['the kernel log unreadable', { kernelLog: { source: null, error: '/dev/kmsg: EACCES; journalctl -k -b: exit 1', xids: [] } }, 'kernel log', /root|systemd-journal/],
  ] as const)('%s: a passing run is undecided, naming the source and its fix', (_what, overrides, source, fix) => {
    const outcome = passingRun(gpuNode(overrides as Partial<ProbeSnapshot>));
    expect(outcome).toMatchObject({ status: 'undecided', cause: { kind: 'unread-health', sources: [{ source }] } });
    expect(outcome.cause.kind === 'unread-health' && outcome.cause.sources[0]!.fix).toMatch(fix);
  });

  it('the same unread sources on a CPU node, or in a job given no GPU, change nothing', () => {
    const unread = { nvmlError: 'libnvidia-ml.so.1 not found', kernelLog: { source: null, error: 'unreadable', xids: [] } } as Partial<ProbeSnapshot>;
    expect(passingRun(gpuNode({ ...unread, pci: { devices: [], error: null } } as Partial<ProbeSnapshot>)).status).toBe('pass');
    expect(passingRun(gpuNode({ ...unread, jobScope: { count: 0, source: 'SLURM_JOB_GPUS', value: '' } } as Partial<ProbeSnapshot>)).status).toBe('pass');
  });

  it('a failing verdict or case still fails a node whose health was not read', () => {
    const unread = gpuNode({ nvmlError: 'libnvidia-ml.so.1 not found', verdicts: [verdict('gpu-driver', 'pass', true)] });
    expect(decideRun(record([caseResult('hello', { outcome: 'fail', reason: 'wrong' })], { probe: unread })).status).toBe('fail');
    const failingVerdict = gpuNode({ nvmlError: 'libnvidia-ml.so.1 not found', verdicts: [verdict('gpu-count', 'fail', true)] });
    expect(passingRun(failingVerdict)).toMatchObject({ status: 'fail', cause: { kind: 'node-verdict', verdict: { subject: 'gpu-count' } } });
  });

  it('a failure outranks an undecided case; an undecided case outranks a pass', () => {
    const failing = record([caseResult('iris', { outcome: 'error', reason: 'corrupt' }), caseResult('lenet', { outcome: 'fail', reason: 'wrong' })]);
    expect(decideRun(failing).status).toBe('fail');
    expect(decideRun(record([caseResult('iris'), caseResult('lenet', { outcome: 'error', reason: 'corrupt' })])).status).toBe('undecided');
  });
});

describe('runSubjects: what a run failed, and what it re-checked without a failure', () => {
  it('names every failing verdict and case; counts verdicts that did not fail and cases that ran', () => {
    const probe = probeWith([verdict('gpu-driver', 'skip', true), verdict('gpu-ecc', 'fail', true), verdict('gpu-count', 'pass', true), verdict('gcc8', 'fail', false)]);
    const run = record([caseResult('hello'), caseResult('lenet', { outcome: 'fail', reason: 'wrong' }), caseResult('iris', { outcome: 'skip', reason: 'not staged' })], { probe });
    expect(runSubjects(withDecision(run))).toEqual({ failed: ['gpu-ecc', 'lenet/tfjs/cpu'], passed: ['gpu-driver', 'gpu-count', 'hello/tfjs/cpu'] });
  });

  it('names nothing as failed when the run did not fail, and under --strict the skipped cases that failed it', () => {
    const run = record([caseResult('hello'), caseResult('iris', { outcome: 'skip', reason: 'not staged' })], { probe: probeWith([]) });
    expect(runSubjects(withDecision(run)).failed).toEqual([]);
    expect(runSubjects(withDecision(run, { strict: true })).failed).toEqual(['iris/tfjs/cpu']);
  });
});
