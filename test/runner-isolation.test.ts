import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfiles } from '../src/references/profiles.js';
import { runPlan } from '../src/runner/run.js';
import { fixtureWorkload } from './helpers/paths.js';

function profilesWith(workload: string, entry: { thresholds?: Record<string, { min?: number; max?: number }>; timeoutSeconds?: number }) {
  const profiles = loadProfiles();
  profiles.profiles.quick.workloads[workload] = { params: {}, thresholds: entry.thresholds ?? {}, timeoutSeconds: entry.timeoutSeconds ?? null };
  return profiles;
}

/** Runs test-only workloads (id -> fixture module name) through the real runner on tfjs/cpu. */
function runFixtures(fixtures: Record<string, string>, options: Partial<Parameters<typeof runPlan>[0]> = {}) {
  return runPlan({
    workloads: Object.keys(fixtures),
    extraWorkloadModules: Object.values(fixtures).map(fixtureWorkload),
    engines: ['tfjs'],
    backends: ['cpu'],
    profile: 'quick',
    seed: 1,
    outDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-runner-')),
    probe: null,
    commandLine: ['test'],
    ...options,
  });
}

describe('case isolation', () => {
  it('ends a segfault and an out-of-memory case as fail, a hang on the CPU as undecided, with their reasons, and still runs the others', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-isolation-'));
    // The watchdog covers the case process's start-up too, which takes seconds on a loaded machine.
    const profiles = profilesWith('fixture-hang', { timeoutSeconds: 10 });
    const record = await runFixtures(
      { 'fixture-crash': 'crash', 'fixture-hang': 'hang', 'fixture-oom': 'oom', 'fixture-sleep': 'sleep' },
      { profiles, outDir, maxOldSpaceMb: 96 },
    );
    const byWorkload = Object.fromEntries(record.cases.map((c) => [c.workload, c]));

    const crash = byWorkload['fixture-crash']!;
    expect(crash.outcome).toBe('fail');
    expect(crash.failPhase).toBe('crash');
    expect(crash.reason).toMatch(/crashed in phase run: killed by SIGSEGV/);
    expect(crash.crash?.stderrTail.join('\n')).toContain('fixture-crash: about to segfault');

    // A CPU case that outlasts its watchdog may only be slowed by a loaded node: no proof of a fault.
    const hang = byWorkload['fixture-hang']!;
    expect(hang.outcome).toBe('error');
    expect(hang.failPhase).toBe('timeout');
    expect(hang.reason).toBe('timed out after 10 s in phase run on the CPU: a CPU case slowed by a loaded node proves no fault');

    const oom = byWorkload['fixture-oom']!;
    expect(oom.outcome).toBe('fail');
    expect(oom.failPhase).toBe('crash');
    expect(oom.reason).toMatch(/out of memory/);

    const ok = byWorkload['fixture-sleep']!;
    expect(ok.outcome).toBe('pass');
    expect(ok.backend).toBe('cpu');
    expect(ok.metrics.slept_s).toMatchObject({ value: 0.1, unit: 's', verdict: 'info' });

    const files = readdirSync(path.join(outDir, 'cases')).sort();
    expect(files).toHaveLength(4);
    for (const file of files) expect(() => JSON.parse(readFileSync(path.join(outDir, 'cases', file), 'utf8'))).not.toThrow();
  });

  it("runs a profile's cases concurrentCases at a time, and reports them in plan order", async () => {
    const profiles = loadProfiles();
    profiles.profiles.quick.concurrentCases = 2;
    const record = await runFixtures({ 'fixture-slow': 'slow', 'fixture-sleep': 'sleep' }, { profiles });
    expect(record.cases.map((c) => [c.workload, c.outcome])).toEqual([
      ['fixture-slow', 'pass'],
      ['fixture-sleep', 'pass'],
    ]);
    const [slow, sleep] = record.cases.map((c) => ({ start: Date.parse(c.timings.startedAt), end: Date.parse(c.timings.endedAt) }));
    // The short case started before the 4-second one ended, and ended first.
    expect(sleep!.start).toBeLessThan(slow!.end);
    expect(sleep!.end).toBeLessThan(slow!.end);
  });

  it('fails a case whose answer is outside its threshold, naming metric, value and limit', async () => {
    const record = await runFixtures(
      { 'fixture-wrong': 'wrong-answer' },
      { profiles: profilesWith('fixture-wrong', { thresholds: { answer: { min: 42, max: 42 } } }) },
    );
    expect(record.cases[0]).toMatchObject({ outcome: 'fail', failPhase: 'sanity', reason: 'answer 41 < 42' });
    expect(record.cases[0]!.metrics.answer).toMatchObject({ value: 41, verdict: 'fail', threshold: { min: 42, max: 42 } });
  });

  it('kills a case that answered but hangs in teardown, keeping its answer', async () => {
    const started = Date.now();
    const record = await runFixtures({ 'fixture-close-hang': 'close-hang' }, { profiles: profilesWith('fixture-close-hang', { timeoutSeconds: 60 }) });
    expect(record.cases[0]).toMatchObject({ outcome: 'pass' });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('leaves a case undecided (error), not failed, when its input data is corrupt', async () => {
    const record = await runFixtures({ 'fixture-bad-data': 'bad-data' });
    expect(record.cases[0]).toMatchObject({ outcome: 'error', failPhase: 'run' });
    expect(record.cases[0]!.reason).toMatch(/label 11 out of range[\s\S]*expected: 0\.\.9/);
  });

  it('marks the running case interrupted when the run is aborted, and writes what finished', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-abort-'));
    const controller = new AbortController();
    const profiles = loadProfiles();
    profiles.profiles.quick.workloads['fixture-sleep'] = { params: { sleepSeconds: 30 }, thresholds: {}, timeoutSeconds: 60 };
    const started = Date.now();
    const record = await runFixtures({ 'fixture-sleep': 'sleep', 'fixture-slow': 'slow' }, {
      profiles,
      outDir,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'case-progress') controller.abort('SIGINT');
      },
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(record.session.interrupted).toBe(true);
    expect(record.cases[0]).toMatchObject({ outcome: 'error', failPhase: 'interrupted' });
    expect(record.cases[0]!.reason).toMatch(/interrupted in phase run: SIGINT/);
    // The case never reached is reported too, so no planned check silently vanishes.
    expect(record.cases[1]).toMatchObject({ workload: 'fixture-slow', outcome: 'error', failPhase: 'interrupted', reason: 'not started: the run was interrupted before this case' });
    expect(readdirSync(path.join(outDir, 'cases'))).toEqual(['fixture-sleep_tfjs_cpu.json']);
  });
});
