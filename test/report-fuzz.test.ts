/**
 * Fuzz (issue 22): `mlcheck compare` and the sweep's reading of reports, fed with random bytes,
 * control characters, NULs, huge fields, wrong types, deep nesting, FIFOs and links
 * (test/fixtures/report-fuzz.mjs). Nothing may crash (an uncaught exception, which the CLI would
 * turn into a bare "mlcheck: <message>" and exit 3), hang (every call is a child process with a
 * timeout) or print a control character. Seeded, so a failure names the seed that reproduces it;
 * a fixed number of files, so it takes seconds.
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildJsonReport, type JsonReport } from '../src/report/index.js';
import { withDecision } from '../src/references/run-outcome.js';
import { cliPath, distModule, repoRoot } from './helpers/paths.js';
import { runNode } from './helpers/run-process.js';
import { caseResult, metric, record } from './helpers/run-record-fixtures.js';
import { standInJobId, writeSweepStandIns } from './helpers/sweep-standins.js';
// A plain ES module, shared with the child process (test/fixtures/report-fuzz-child.mjs).
import { prng, writeFuzzFile } from './fixtures/report-fuzz.mjs';

type Random = { next(): number; int(n: number): number };
const fuzz = { prng: prng as (seed: number) => Random, writeFuzzFile: writeFuzzFile as (random: Random, file: string, base: unknown) => string };

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** A stack trace: what an uncaught exception prints. */
const STACK = /\n\s+at .+:\d+:\d+\)?\n/;
const SEEDS = [1, 2, 3];

let work: string;
let base: JsonReport;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-report-fuzz-'));
  base = buildJsonReport(
    withDecision(record([
      caseResult('lenet', { metrics: { ms_per_step_median: metric(100, 'ms'), test_error_pct: metric(0.9, '%') }, lines: ['step 1'] }),
      caseResult('iris', { outcome: 'fail', failPhase: 'sanity', reason: 'test_accuracy 0.5 < 0.9', metrics: { test_accuracy: metric(0.5, '') } }),
    ])),
  );
});
afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

function expectClean(run: { status: number | null; stdout: string; stderr: string }, what: string): void {
  const output = run.stdout + run.stderr;
  expect(run.status, `${what} was killed (a hang):\n${output.slice(-2000)}`).not.toBeNull();
  expect(output, `${what} printed a control character`).not.toMatch(CONTROL);
  expect(output, `${what} printed a stack trace`).not.toMatch(STACK);
}

describe('fuzz: hostile reports never crash, hang or print a control character', () => {
  it('in process: readReportFile, readSweepReport, compareReports, renderCompare and formatDrainReason over 200 files per seed', async () => {
    for (const seed of SEEDS) {
      const dir = mkdtempSync(path.join(work, `child-${seed}-`));
      writeFileSync(path.join(dir, 'base.json'), JSON.stringify(base));
      const run = await runNode(path.join(repoRoot, 'test', 'fixtures', 'report-fuzz-child.mjs'), [distModule(''), String(seed), '200', dir], { timeoutMs: 120_000 });
      expect(run.status, `seed ${seed}: ${run.stderr.slice(-3000)}`).toBe(0);
      const tally = JSON.parse(run.stdout) as Record<string, number>;
      // The fuzz reaches every outcome: valid reports to compare, and refused files.
      expect(tally.report, `seed ${seed}: ${run.stdout}`).toBeGreaterThan(0);
      expect(tally.refused, `seed ${seed}: ${run.stdout}`).toBeGreaterThan(0);
    }
  });

  it.each(SEEDS)('mlcheck compare over a folder of 30 hostile files and 2 good reports, and over the files named one by one (seed %i)', async (seed) => {
    const random = fuzz.prng(seed * 7919);
    const dir = mkdtempSync(path.join(work, `compare-${seed}-`));
    for (const host of ['good1', 'good2']) writeFileSync(path.join(dir, `${host}.json`), JSON.stringify({ ...base, session: { ...base.session, host } }));
    const files: string[] = [];
    for (let i = 0; i < 30; i++) {
      const file = path.join(dir, `n${i}`, 'report.json');
      fuzz.writeFuzzFile(random, file, { ...base, session: { ...base.session, host: `node${i % 5}` } });
      files.push(file);
    }
    const searched = await runNode(cliPath, ['compare', dir], { timeoutMs: 60_000 });
    expectClean(searched, `compare ${dir} (seed ${seed})`);
    expect([0, 1, 3], searched.stdout + searched.stderr).toContain(searched.status);
    expect(searched.stdout.trimEnd().split('\n').at(-1)).toMatch(/^mlcheck compare: /);

    // A directory named on the command line is searched (an empty one is a usage error): only the files are named here.
    const named = await runNode(cliPath, ['compare', '--json', path.join(dir, 'good1.json'), ...files.filter((file) => !lstatSync(file).isDirectory())], { timeoutMs: 60_000 });
    expectClean(named, `compare --json FILES (seed ${seed})`);
    expect([0, 1, 3], named.stdout + named.stderr).toContain(named.status);
    expect(() => JSON.parse(named.stdout)).not.toThrow();
  });

  it.each(SEEDS)('mlcheck slurm sweep --drain over six nodes whose jobs left hostile reports (seed %i)', async (seed) => {
    const random = fuzz.prng(seed * 104_729);
    const bin = mkdtempSync(path.join(work, 'bin-'));
    writeSweepStandIns(bin);
    const standIn = mkdtempSync(path.join(work, `sweep-${seed}-`));
    const nodes = ['node01', 'node02', 'node03', 'node04', 'node05', 'node06'];
    for (const node of nodes) {
      const own = { ...base, session: { ...base.session, host: 'login1', slurm: { jobId: standInJobId(node), node } } };
      if (node === 'node01') writeFileSync(path.join(standIn, `${node}.json`), JSON.stringify(own));
      else fuzz.writeFuzzFile(random, path.join(standIn, `${node}.json`), own);
    }
    mkdirSync(path.join(standIn, 'sweeps'));
    const run = await runNode(cliPath, ['slurm', 'sweep', '--nodes', nodes.join(','), '--profile', 'quick', '--out', path.join(standIn, 'sweeps', 'out'), '--drain'], {
      env: { ...process.env, SLURM_BINDIR: bin, STANDIN: standIn },
      timeoutMs: 60_000,
    });
    expectClean(run, `slurm sweep (seed ${seed})`);
    expect([0, 1, 3], run.stdout + run.stderr).toContain(run.status);
    expect(run.stdout).toMatch(/^sweep: 6 nodes, \d+ passed, /m);
    // node01's own report is a genuine iris failure: drained, whatever the other five held.
    const log = readFileSync(path.join(standIn, 'scontrol.log'), 'utf8');
    expect(log).toMatch(/^update nodename=node01 state=drain reason=mlcheck sweep\/quick: FAIL iris\/tfjs\/cpu: /m);
    expect(log).not.toMatch(CONTROL);
  });
});
