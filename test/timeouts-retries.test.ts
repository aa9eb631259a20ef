/**
 * Timeouts, crashes and the deadline, end to end through the CLI (issue 17, finding 1): a slow
 * start is undecided, never a fail; under `slurm check` a crash must repeat before it drains, a
 * wrong answer drains at once, and no case's watchdog outlasts the deadline. Test-only workloads
 * come in through MLCHECK_TEST_WORKLOADS; `slurm check` acts through a stand-in scontrol
 * (SLURM_BINDIR) that records what it was asked to do.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonReport } from '../src/report/json-report.js';
import { validateReport } from '../src/report/validate.js';
import { cliPath, fixtureWorkload } from './helpers/paths.js';
import { runNode, type ProcessRun } from './helpers/run-process.js';

const NODE = 'node07';

/** A scontrol that logs each call's arguments and shows NODE idle, with no reason. */
function standInScontrol(): { bindir: string; calls: () => string[] } {
  const bindir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-scontrol-'));
  const log = path.join(bindir, 'calls.log');
  writeFileSync(
    path.join(bindir, 'scontrol'),
    ['#!/bin/sh', `printf '%s\\n' "$*" >> '${log}'`, `if [ "$1" = show ]; then echo "NodeName=$4 Arch=x86_64 CoresPerSocket=1 State=IDLE ThreadsPerCore=1"; fi`, 'exit 0', ''].join('\n'),
  );
  chmodSync(path.join(bindir, 'scontrol'), 0o755);
  return { bindir, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

interface CheckRun extends ProcessRun {
  report: JsonReport;
  scontrol: string[];
}

async function slurmCheck(fixture: string, workload: string, args: string[] = [], env: Record<string, string> = {}): Promise<CheckRun> {
  const scontrol = standInScontrol();
  const json = path.join(scontrol.bindir, 'report.json');
  const run = await runNode(cliPath, ['slurm', 'check', workload, '--node', NODE, '--json', json, ...args], {
    env: { ...process.env, SLURM_BINDIR: scontrol.bindir, MLCHECK_TEST_WORKLOADS: fixtureWorkload(fixture), ...env },
    timeoutMs: 120_000,
  });
  const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
  const validation = validateReport(report);
  expect(validation.valid ? [] : validation.errors).toEqual([]);
  return { ...run, report, scontrol: scontrol.calls() };
}

const drains = (calls: readonly string[]): string[] => calls.filter((call) => call.startsWith('update') && call.includes('state=drain'));

describe('a timeout is a fail only when the GPU work hung', () => {
  it('a case process that starts slower than its watchdog (setup phase) is undecided, exit 3, not FAIL', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-slow-start-'));
    const result = await runNode(cliPath, ['run', 'fixture-slow-start', '--engine', 'tfjs', '--backend', 'cpu', '--timeout', '2', '--no-probe', '--out', out], {
      env: { ...process.env, MLCHECK_TEST_WORKLOADS: fixtureWorkload('slow-start'), MLCHECK_TEST_START_SECONDS: '60' },
      timeoutMs: 60_000,
    });
    expect(result.status, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(/^mlcheck: UNDECIDED fixture-slow-start\/tfjs timed out after 2 s in phase setup, before its work started: a slow start/m);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as JsonReport;
    expect(report.cases[0]).toMatchObject({ outcome: 'error', failPhase: 'timeout' });
    expect(report.outcome?.status).toBe('undecided');
  });
});

describe('mlcheck slurm check: a crash must repeat before it drains, a wrong answer drains at once', () => {
  it('a case that crashes once, then passes, is run again and does not drain the node; the report shows both attempts', async () => {
    const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-crash-once-')), 'crashed');
    const check = await slurmCheck('crash-once', 'fixture-crash-once', [], { MLCHECK_TEST_MARKER: marker });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(drains(check.scontrol)).toEqual([]);
    expect(check.stderr).toMatch(/fixture-crash-once\/tfjs fail \[crash\]: crashed in phase run: killed by SIGSEGV.*running it once more/);
    const [crashOnce] = check.report.cases;
    expect(crashOnce).toMatchObject({ outcome: 'pass', failPhase: null });
    expect(crashOnce!.attempts?.map((a) => [a.outcome, a.failPhase])).toEqual([
      ['fail', 'crash'],
      ['pass', null],
    ]);
    expect(crashOnce!.attempts![0]!.reason).toMatch(/^crashed in phase run: killed by SIGSEGV/);
    expect(crashOnce!.attempts![0]!.crash?.stderrTail).toContain('fixture-crash-once: about to segfault');
    expect(check.report.outcome?.status).toBe('pass');
    expect(check.stdout).toMatch(/^fixture-crash-once\/tfjs +PASS \(2 attempts\) /m);
    expect(check.stdout).toMatch(/attempts: 1 FAIL \[crash\] crashed in phase run: killed by SIGSEGV.*; 2 PASS$/m);
  });

  it('a case that crashes twice drains the node', async () => {
    const check = await slurmCheck('crash', 'fixture-crash');
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(drains(check.scontrol)).toEqual([`update nodename=${NODE} state=drain reason=mlcheck check/smoke: FAIL fixture-crash/tfjs: crashed in phase run: killed by SIGSEGV (a native crash in the framework or driver)`]);
    const [crash] = check.report.cases;
    expect(crash).toMatchObject({ outcome: 'fail', failPhase: 'crash' });
    expect(crash!.attempts?.map((a) => [a.outcome, a.failPhase])).toEqual([
      ['fail', 'crash'],
      ['fail', 'crash'],
    ]);
    expect(check.stdout).toMatch(/^fixture-crash\/tfjs +FAIL \(2 attempts\) /m);
  });

  it('a wrong answer drains the node at once, without running the case again', async () => {
    const check = await slurmCheck('hello-wrong-sum', 'hello');
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(drains(check.scontrol)).toHaveLength(1);
    expect(drains(check.scontrol)[0]).toMatch(/reason=mlcheck check\/smoke: FAIL hello\/\w+(,hello\/\w+)*: sum 43 > 42/);
    expect(check.stderr).not.toMatch(/running it once more/);
    for (const hello of check.report.cases) {
      expect(hello).toMatchObject({ outcome: 'fail', failPhase: 'sanity' });
      expect(hello.attempts).toBeUndefined();
    }
  });

  it('caps a watchdog that would outlast the deadline; the case it stops is undecided (interrupted) and drains nothing', async () => {
    // fixture-hang is in no profile: its watchdog is the default 600 s, far past an 8 s deadline.
    const check = await slurmCheck('hang', 'fixture-hang', ['--deadline', '8']);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(drains(check.scontrol)).toEqual([]);
    const [hang] = check.report.cases;
    expect(hang).toMatchObject({ outcome: 'error', failPhase: 'interrupted' });
    expect(hang!.reason).toMatch(/^interrupted in phase (setup|run): stopped after [\d.]+ s to end before the run's deadline \(its watchdog of 600 s would have outlasted it\)$/);
    expect(check.report.outcome?.status).toBe('undecided');
    expect(check.stderr).toMatch(/never drains when nothing could be decided/);
    // The case ended before the deadline fired: the deadline itself stopped nothing.
    expect(check.stderr).not.toMatch(/deadline of 8 s reached/);
  });
});
