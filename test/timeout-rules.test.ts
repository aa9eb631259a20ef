import { describe, expect, it } from 'vitest';
import { ENGINE_BACKENDS, ENGINE_GPU_BACKEND, ENGINE_GPU_BACKENDS, ENGINE_IDS } from '../src/engines/types.js';
import type { CaseResult } from '../src/references/results.js';
import { decideTimeout } from '../src/references/timeout-outcome.js';
import { isTransientFailure } from '../src/references/transient-failure.js';
import { runAttempts } from '../src/runner/case-attempts.js';
import { caseResult } from './helpers/run-record-fixtures.js';

describe('decideTimeout: a timeout fails a case only when its GPU work hung', () => {
  it('fails a case whose GPU work ran for most of the watchdog without finishing', () => {
    expect(decideTimeout({ watchdogSeconds: 30, phase: 'run', gpuWorkSeconds: 24 })).toEqual({
      outcome: 'fail',
      reason: 'timed out after 30 s in phase run: its GPU work ran 24 s without finishing (a hung GPU, driver or kernel)',
    });
  });

  it.each([
    { what: 'a case still starting (setup phase)', facts: { watchdogSeconds: 30, phase: 'setup' as const, gpuWorkSeconds: null }, reason: /in phase setup, before its work started: a slow start/ },
    { what: 'a CPU case in its run phase', facts: { watchdogSeconds: 30, phase: 'run' as const, gpuWorkSeconds: null }, reason: /in phase run on the CPU: a CPU case slowed by a loaded node proves no fault/ },
    { what: 'a GPU case whose slow start left its GPU work under half the watchdog', facts: { watchdogSeconds: 30, phase: 'run' as const, gpuWorkSeconds: 4 }, reason: /after only 4 s of GPU work \(under 50% of the watchdog\)/ },
  ])('leaves $what undecided', ({ facts, reason }) => {
    const decided = decideTimeout(facts);
    expect(decided.outcome).toBe('error');
    expect(decided.reason).toMatch(reason);
  });
});

describe('ENGINE_GPU_BACKENDS: the backends whose run phase is GPU work', () => {
  it.each(ENGINE_IDS)('%s: are backends of the engine, include the one a GPU node plans, and every CPU backend is left out', (engine) => {
    for (const backend of ENGINE_GPU_BACKENDS[engine]) expect(ENGINE_BACKENDS[engine]).toContain(backend);
    expect(ENGINE_GPU_BACKENDS[engine]).toContain(ENGINE_GPU_BACKEND[engine]);
    expect(ENGINE_GPU_BACKENDS[engine].filter((backend) => /cpu|wasm|^tensorflow$/.test(backend))).toEqual([]);
  });
});

describe('isTransientFailure: what one more attempt may not repeat', () => {
  it.each([
    { outcome: 'fail' as const, failPhase: 'crash' as const, transient: true },
    { outcome: 'fail' as const, failPhase: 'timeout' as const, transient: true },
    { outcome: 'error' as const, failPhase: 'timeout' as const, transient: false },
    { outcome: 'fail' as const, failPhase: 'sanity' as const, transient: false },
    { outcome: 'fail' as const, failPhase: 'performance' as const, transient: false },
    { outcome: 'fail' as const, failPhase: 'run' as const, transient: false },
    { outcome: 'pass' as const, failPhase: null, transient: false },
  ])('$outcome in phase $failPhase: $transient', ({ outcome, failPhase, transient }) => {
    expect(isTransientFailure({ outcome, failPhase })).toBe(transient);
  });
});

describe('runAttempts: a transient failure runs once more, within the deadline', () => {
  const crashed = caseResult('hello', { outcome: 'fail', failPhase: 'crash', reason: 'crashed in phase run: killed by SIGSEGV' });
  const sequence = (...results: CaseResult[]) => {
    const asked: (number | undefined)[] = [];
    return { asked, attempt: async (timeLeft: number | undefined) => (asked.push(timeLeft), results[asked.length - 1]!) };
  };

  it('with no time left before the deadline for a second attempt, a crash seen once is undecided', async () => {
    const { asked, attempt } = sequence(crashed, caseResult('hello'));
    let left = 20;
    const result = await runAttempts(async (timeLeft) => {
      const done = await attempt(timeLeft);
      left = 0;
      return done;
    }, { retryTransientFailures: true, timeLeftSeconds: () => left, watchdogSeconds: 30 });
    expect(asked).toEqual([20]);
    expect(result).toMatchObject({ outcome: 'error', failPhase: 'crash' });
    expect(result.reason).toBe("crashed in phase run: killed by SIGSEGV; undecided: no time was left before the run's deadline to run it again, and a crash seen once proves no fault");
    expect(result.attempts?.map((a) => a.outcome)).toEqual(['fail']);
  });

  it('gives the second attempt only the time left before the deadline', async () => {
    const { asked, attempt } = sequence(crashed, caseResult('hello'));
    const lefts = [30, 12];
    const result = await runAttempts(attempt, { retryTransientFailures: true, timeLeftSeconds: () => lefts.shift(), watchdogSeconds: 30 });
    expect(asked).toEqual([30, 12]);
    expect(result.outcome).toBe('pass');
    expect(result.attempts?.map((a) => a.outcome)).toEqual(['fail', 'pass']);
  });

  it('runs a hang once more only when its whole watchdog fits before the deadline: a cut watchdog cannot confirm it', async () => {
    const hung = caseResult('hello', { backend: 'cuda', engine: 'onnx', outcome: 'fail', failPhase: 'timeout', reason: 'timed out after 30 s in phase run: its GPU work ran 25 s without finishing (a hung GPU, driver or kernel)' });
    const short = sequence(hung, hung);
    const lefts = [40, 12];
    const unconfirmed = await runAttempts(short.attempt, { retryTransientFailures: true, timeLeftSeconds: () => lefts.shift(), watchdogSeconds: 30 });
    expect(short.asked).toEqual([40]);
    expect(unconfirmed).toMatchObject({ outcome: 'error', failPhase: 'timeout' });
    expect(unconfirmed.reason).toMatch(/; undecided: no time was left before the run's deadline to run it again under its full watchdog \(30 s\), and a hang seen once proves no fault$/);
    const long = sequence(hung, hung);
    const confirmed = await runAttempts(long.attempt, { retryTransientFailures: true, timeLeftSeconds: () => 100, watchdogSeconds: 30 });
    expect(confirmed).toMatchObject({ outcome: 'fail', failPhase: 'timeout' });
    expect(confirmed.attempts?.map((a) => a.outcome)).toEqual(['fail', 'fail']);
  });

  it('runs a case once when retrying is off (mlcheck run), or when its failure is a fact', async () => {
    const off = sequence(crashed);
    expect(await runAttempts(off.attempt, { retryTransientFailures: false, timeLeftSeconds: () => undefined, watchdogSeconds: 30 })).toBe(crashed);
    const wrong = caseResult('hello', { outcome: 'fail', failPhase: 'sanity', reason: 'sum 43 > 42' });
    const facts = sequence(wrong);
    expect(await runAttempts(facts.attempt, { retryTransientFailures: true, timeLeftSeconds: () => undefined, watchdogSeconds: 30 })).toBe(wrong);
    expect(facts.asked).toHaveLength(1);
  });
});
