import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, sharedDataDir } from './helpers/paths.js';

const emptyHome = (): Record<string, string> => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-home-'));
  return { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') };
};

describe('mlcheck run', () => {
  it('stops promptly on SIGTERM, marks the running case interrupted and still writes the report', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-sigterm-'));
    const child = spawn(process.execPath, [cliPath, 'run', 'hello', 'iris', '--engine', 'tfjs', '--backend', 'cpu', '--no-probe', '--data-dir', sharedDataDir, '--out', outDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const sent = new Promise<number>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/iris\/tfjs\/cpu[\s\S]*train: step/.test(stderr) && !child.killed) {
          child.kill('SIGTERM');
          resolve(Date.now());
        }
      });
    });
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const stoppedAfterMs = Date.now() - (await sent);
    expect(stoppedAfterMs).toBeLessThan(10_000);
    expect(stderr).toContain('SIGTERM received');
    expect(exitCode).toBe(3);
    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    expect(report.session.interrupted).toBe(true);
    const outcomes = (report.cases as Array<{ workload: string; outcome: string; failPhase: string | null }>).map((c) => [c.workload, c.outcome, c.failPhase]);
    expect(outcomes).toEqual([
      ['hello', 'pass', null],
      ['iris', 'error', 'interrupted'],
    ]);
    expect(stdout).toMatch(/^mlcheck: /m);
  });

  it('with no data anywhere (not even the package\'s), works offline and explains each skip with the command that stages it', () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-default-'));
    const env = { ...process.env, ...emptyHome(), MLCHECK_DATA_DIR: '', MLCHECK_PACKAGE_DATA_DIR: '' };
    const result = spawnSync(process.execPath, [cliPath, 'run', '--out', outDir], { encoding: 'utf8', env, timeout: 240_000 });
    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    const cases = report.cases as Array<{ workload: string; engine: string; outcome: string; reason: string | null }>;
    expect(cases.filter((c) => c.workload === 'hello').every((c) => c.outcome === 'pass')).toBe(true);
    for (const c of cases.filter((c) => ['iris', 'lenet', 'vae'].includes(c.workload))) {
      expect(c.outcome, `${c.workload}/${c.engine}`).toBe('skip');
      expect(c.reason).toMatch(/mlcheck datasets fetch/);
    }
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/skip/i);
    expect(existsSync(path.join(outDir, 'run.json'))).toBe(true);
  });

  it.each(['run resnet', 'run hello --engine torch', 'run hello --backend metal', 'run --profile huge'])('rejects `mlcheck %s` with exit code 2', (line) => {
    const args = line.split(' ');
    const result = spawnSync(process.execPath, [cliPath, ...args, '--no-probe', '--out', mkdtempSync(path.join(os.tmpdir(), 'mlcheck-usage-'))], { encoding: 'utf8' });
    expect(result.status, args.join(' ')).toBe(2);
    expect(result.stderr.length).toBeGreaterThan(0);
  });
});
