import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { cliPath, fixtureWorkload, repoRoot } from './helpers/paths.js';

describe('kill -9 and --resume', () => {
  it('keeps every finished case through a kill -9 and finishes the rest with --resume', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-resume-'));
    // A complete earlier run in the same directory (a health check's fixed --out): none of its
    // cases may be taken for the interrupted run's.
    const earlier = spawnSync(process.execPath, [path.join(repoRoot, 'test/fixtures/run-driver.mjs'), outDir, fixtureWorkload('sleep'), fixtureWorkload('slow')], { encoding: 'utf8' });
    expect(earlier.status).toBe(0);
    expect(readdirSync(path.join(outDir, 'cases'))).toHaveLength(2);

    const driver = spawn(process.execPath, [path.join(repoRoot, 'test/fixtures/run-driver.mjs'), outDir, fixtureWorkload('sleep'), fixtureWorkload('slow')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: driver.stdout! });
    const exited = new Promise((resolve) => driver.on('exit', resolve));
    for await (const line of lines) {
      const event = JSON.parse(line) as { type: string; id: string };
      if (event.type === 'case-progress' && event.id.startsWith('fixture-slow')) break;
    }
    driver.kill('SIGKILL');
    await exited;

    const caseFiles = readdirSync(path.join(outDir, 'cases'));
    expect(caseFiles).toEqual(['fixture-sleep_tfjs_cpu.json']);
    const first = JSON.parse(readFileSync(path.join(outDir, 'cases', caseFiles[0]!), 'utf8'));
    expect(first.outcome).toBe('pass');
    expect(existsSync(path.join(outDir, 'run.json'))).toBe(true);

    const report = path.join(outDir, 'resumed.json');
    const resumed = spawnSync(process.execPath, [cliPath, 'run', '--resume', outDir, '--no-probe', '--json', report], { encoding: 'utf8' });
    expect(resumed.stderr).toContain('kept from the interrupted run');
    expect(resumed.status).toBe(0);
    const document = JSON.parse(readFileSync(report, 'utf8'));
    const cases = document.cases as Array<{ workload: string; outcome: string; timings: { startedAt: string } }>;
    expect(cases.map((c) => [c.workload, c.outcome])).toEqual([
      ['fixture-sleep', 'pass'],
      ['fixture-slow', 'pass'],
    ]);
    expect(cases[0]!.timings.startedAt).toBe(first.timings.startedAt);
  });

  it('takes the running case process down with it when the runner is killed, even a case stuck in a loop', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-orphan-'));
    const pidFile = path.join(outDir, 'case.pid');
    const driver = spawn(process.execPath, [path.join(repoRoot, 'test/fixtures/run-driver.mjs'), outDir, fixtureWorkload('busy')], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, MLCHECK_TEST_PID_FILE: pidFile },
    });
    const exited = new Promise((resolve) => driver.on('exit', resolve));
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8') === '') await new Promise((resolve) => setTimeout(resolve, 50));
    const casePid = Number(readFileSync(pidFile, 'utf8'));
    driver.kill('SIGKILL');
    await exited;
    const alive = (): boolean => {
      try {
        process.kill(casePid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 5000;
    while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const survived = alive();
    if (survived) process.kill(casePid, 'SIGKILL');
    expect(survived).toBe(false);
  });
});

