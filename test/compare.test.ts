import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNodeReferences } from '../src/references/node-references.js';
import type { CaseResult } from '../src/references/results.js';
import { buildJsonReport, compareReports } from '../src/report/index.js';
import { withDecision } from '../src/references/run-outcome.js';
import { cliPath } from './helpers/paths.js';
import { caseResult, metric, record } from './helpers/run-record-fixtures.js';
const rules = loadNodeReferences().metrics;

function nodeReport(host: string, msPerStep: number, extra: { imagesPerSecond?: number; irisOutcome?: CaseResult['outcome'] } = {}) {
  const cases = [
    caseResult('lenet', {
      metrics: {
        ms_per_step_median: metric(msPerStep, 'ms'),
        test_error_pct: metric(0.9, '%', { threshold: { max: 1 }, verdict: 'pass' }),
      },
    }),
    caseResult('inception', { engine: 'onnx', id: 'inception/onnx/cpu', metrics: { throughput_images_per_s: metric(extra.imagesPerSecond ?? 20, 'images/s') } }),
    caseResult('iris', {
      outcome: extra.irisOutcome ?? 'pass',
      ...(extra.irisOutcome === 'fail' && { failPhase: 'sanity' as const, reason: 'test_accuracy 0.5 < 0.9' }),
      metrics: { test_accuracy: metric(0.967, '') },
    }),
  ];
  return buildJsonReport(withDecision(record(cases, { host, id: `session-${host}` })));
}

function profileReport(host: string, profile: 'quick' | 'standard', values: { msPerStep: number; testErrorPct: number; startedAt: string }) {
  const lenet = caseResult('lenet', {
    profile,
    metrics: { ms_per_step_median: metric(values.msPerStep, 'ms'), test_error_pct: metric(values.testErrorPct, '%') },
  });
  return { file: `${host}-${profile}-${values.startedAt}.json`, report: buildJsonReport(withDecision(record([lenet], { host, profile, id: `${host}-${profile}`, startedAt: values.startedAt }))) };
}

function writeReports(reports: ReturnType<typeof nodeReport>[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-compare-'));
  for (const report of reports) {
    const runDir = path.join(dir, report.session.host);
    mkdirSync(path.join(runDir, 'cases'), { recursive: true });
    writeFileSync(path.join(runDir, 'report.json'), JSON.stringify(report));
    // A run directory also holds case files and run.json: compare must pass over them.
    writeFileSync(path.join(runDir, 'cases', 'lenet_tfjs_cpu.json'), JSON.stringify(report.cases[0]));
  }
  return dir;
}

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, [cliPath, 'compare', ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('compareReports', () => {
  it('flags the node 30 % slower than its peers, and only it', () => {
    const result = compareReports(
      ['node001', 'node002', 'node003', 'node004'].map((host, i) => ({ file: `${host}.json`, report: nodeReport(host, [100, 104, 130, 98][i]!) })),
      { rules },
    );
    expect(result.nodes).toEqual(['node001', 'node002', 'node003', 'node004']);
    const column = result.columns.find((c) => c.metric === 'ms_per_step_median')!;
    expect(column).toMatchObject({ caseKey: 'lenet/tfjs/cpu', better: 'lower', median: 102 });
    expect(result.flags).toHaveLength(1);
    expect(result.flags[0]).toMatchObject({ node: 'node003', kind: 'worse-than-fleet', metric: 'ms_per_step_median', value: 130, median: 102 });
  });

  it('also flags a slow node among only two', () => {
    const result = compareReports([nodeReport('a', 100), nodeReport('b', 130)].map((report) => ({ file: 'x', report })), { rules });
    expect(result.flags.map((f) => f.node)).toEqual(['b']);
  });

  it('reads direction from the metric rules: low throughput is worse, fast steps are not', () => {
    const result = compareReports(
      [nodeReport('n1', 100), nodeReport('n2', 60, { imagesPerSecond: 20 }), nodeReport('n3', 100, { imagesPerSecond: 12 })].map((report) => ({ file: 'x', report })),
      { rules },
    );
    expect(result.flags.map((f) => [f.node, f.kind === 'worse-than-fleet' && f.metric])).toEqual([['n3', 'throughput_images_per_s']]);
  });

  it('respects the tolerance', () => {
    const reports = [nodeReport('n1', 100), nodeReport('n2', 100), nodeReport('n3', 115)].map((report) => ({ file: 'x', report }));
    expect(compareReports(reports, { rules, tolerance: 0.1 }).flags).toHaveLength(1);
    expect(compareReports(reports, { rules, tolerance: 0.2 }).flags).toHaveLength(0);
  });

  it('never compares a quick run with a standard one: each host keeps its latest report of each profile', () => {
    const quick = (host: string) => profileReport(host, 'quick', { msPerStep: 100, testErrorPct: 15, startedAt: '2024-05-01T10:00:00.000Z' });
    const standard = (host: string, msPerStep = 300) => profileReport(host, 'standard', { msPerStep, testErrorPct: 1.7, startedAt: '2024-05-02T10:00:00.000Z' });
    const agree = compareReports([quick('n1'), standard('n1'), quick('n2'), standard('n2')], { rules });
    expect(agree.nodes).toEqual(['n1', 'n2']);
    expect(agree.flags).toEqual([]);
    const errorColumns = agree.columns.filter((c) => c.metric === 'test_error_pct');
    expect(errorColumns.map((c) => [c.profile, c.label, c.values])).toEqual([
      ['quick', 'quick:lenet/tfjs/cpu', { n1: 15, n2: 15 }],
      ['standard', 'standard:lenet/tfjs/cpu', { n1: 1.7, n2: 1.7 }],
    ]);
    expect(agree.notes).toContain('reports of profiles quick, standard were kept apart: a column compares runs of one profile only');
    expect(agree.outcomes.n1).toEqual({ quick: { 'lenet/tfjs/cpu': 'pass' }, standard: { 'lenet/tfjs/cpu': 'pass' } });

    // n1 has only a quick report and n3 only a standard one: the slow standard node is judged among the standard runs.
    const slow = compareReports([quick('n1'), quick('n2'), standard('n2'), standard('n3', 390), standard('n4', 290)], { rules });
    expect(slow.flags).toEqual([expect.objectContaining({ node: 'n3', kind: 'worse-than-fleet', profile: 'standard', metric: 'ms_per_step_median', value: 390, median: 300 })]);
    expect(slow.flags[0]!.message).toMatch(/^standard:lenet\/tfjs\/cpu ms_per_step_median 390 ms is 30\.0% higher/);
    const standardSteps = slow.columns.find((c) => c.profile === 'standard' && c.metric === 'ms_per_step_median')!;
    expect(standardSteps.values).toEqual({ n1: null, n2: 300, n3: 390, n4: 290 });
  });

  // Issue 22: a report names its host itself, so a second report claiming a host is flagged (it
  // used to be a note only, which let a planted report quietly displace the real one).
  it('uses the later of two reports of the same host and profile in the table, says so, and flags the host naming both files', () => {
    const result = compareReports(
      [
        profileReport('n1', 'quick', { msPerStep: 200, testErrorPct: 15, startedAt: '2024-05-01T10:00:00.000Z' }),
        profileReport('n1', 'quick', { msPerStep: 100, testErrorPct: 15, startedAt: '2024-05-03T10:00:00.000Z' }),
        profileReport('n2', 'quick', { msPerStep: 100, testErrorPct: 15, startedAt: '2024-05-01T10:00:00.000Z' }),
      ],
      { rules },
    );
    expect(result.flags).toEqual([
      expect.objectContaining({ node: 'n1', kind: 'several-reports', profile: 'quick', files: ['n1-quick-2024-05-01T10:00:00.000Z.json', 'n1-quick-2024-05-03T10:00:00.000Z.json'] }),
    ]);
    expect(result.flags[0]!.message).toMatch(/^2 quick reports claim this host: n1-quick-2024-05-01T10:00:00\.000Z\.json \(started 2024-05-01T10:00:00\.000Z: mlcheck: PASS 1 case\); .*The table uses n1-quick-2024-05-03T10:00:00\.000Z\.json/);
    expect(result.columns.find((c) => c.metric === 'ms_per_step_median')!.values).toEqual({ n1: 100, n2: 100 });
    expect(result.notes).toContain('n1: using n1-quick-2024-05-03T10:00:00.000Z.json, the later of its quick reports (ignoring n1-quick-2024-05-01T10:00:00.000Z.json)');
  });

  it('compares each model only with itself, and each hyperparameter setting only with itself', () => {
    const inception = (host: string, model: string, imagesPerSecond: number, batch = 8) => ({
      file: `${host}.json`,
      report: buildJsonReport(
        withDecision(record(
          [
            caseResult('inception', {
              engine: 'onnx',
              id: 'inception/onnx/cpu',
              hyperparameters: { model: `/data/${host}/imagenet/${model}`, sidecar: `/opt/${host}/models/${model}.yaml`, batch },
              metrics: { throughput_images_per_s: metric(imagesPerSecond, 'images/s') },
            }),
          ],
          { host },
        )),
      ),
    });
    const result = compareReports(
      [
        inception('n1', 'mobilenet_v2_1.0_224.onnx', 60),
        inception('n2', 'mobilenet_v2_1.0_224.onnx', 58),
        inception('n3', 'inception_v3.onnx', 6),
        inception('n4', 'inception_v3.onnx', 6.2),
        inception('n5', 'inception_v3.onnx', 3, 1),
      ],
      { rules },
    );
    expect(result.flags).toEqual([]);
    expect(result.columns.map((c) => [c.label, c.median])).toEqual([
      ['inception@inception_v3.onnx/onnx/cpu{batch=1}', 3],
      ['inception@inception_v3.onnx/onnx/cpu{batch=8}', 6.1],
      ['inception@mobilenet_v2_1.0_224.onnx/onnx/cpu', 59],
    ]);
    expect(result.notes).toContain('inception ran with different models (inception_v3.onnx, mobilenet_v2_1.0_224.onnx): each model is compared only with itself');
    expect(result.notes).toContain('quick inception@inception_v3.onnx/onnx/cpu ran with different hyperparameters (batch): each setting is compared on its own');
  });

  it('flags a host whose case passed where most failed, and the reverse', () => {
    const mostFail = compareReports(
      [nodeReport('n1', 100, { irisOutcome: 'fail' }), nodeReport('n2', 100, { irisOutcome: 'fail' }), nodeReport('n3', 100)].map((report) => ({ file: 'x', report })),
      { rules },
    );
    expect(mostFail.flags).toEqual([expect.objectContaining({ node: 'n3', kind: 'passed-where-most-failed', caseKey: 'iris/tfjs/cpu' })]);
    const mostPass = compareReports(
      [nodeReport('n1', 100), nodeReport('n2', 100), nodeReport('n3', 100, { irisOutcome: 'fail' })].map((report) => ({ file: 'x', report })),
      { rules },
    );
    expect(mostPass.flags).toEqual([expect.objectContaining({ node: 'n3', kind: 'failed-where-most-passed' })]);
  });
});

describe('mlcheck compare', () => {
  it('prints nodes x metrics, flags the slow node and exits 1', () => {
    const dir = writeReports([nodeReport('node001', 100), nodeReport('node002', 103), nodeReport('node003', 130)]);
    const run = cli(dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^NODE +inception\/onnx\/cpu throughput_images_per_s \[images\/s\]/);
    expect(run.stdout).toMatch(/node003 .* 130 \(\+26%\)!/);
    expect(run.stdout).toContain('FLAG node003: lenet/tfjs/cpu ms_per_step_median 130 ms is 26.2% higher than the fleet median 103 ms (tolerance 10%)');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('mlcheck compare: 1 of 3 nodes flagged: node003');
  });

  it('exits 0 when the fleet agrees, and --json gives the same result as data', () => {
    const dir = writeReports([nodeReport('node001', 100), nodeReport('node002', 103), nodeReport('node003', 108)]);
    const table = cli(path.join(dir, 'node001', 'report.json'), path.join(dir, 'node002'), path.join(dir, 'node003'));
    expect(table.status).toBe(0);
    expect(table.stdout).toContain('mlcheck compare: no node flagged among 3');
    const json = cli(dir, '--json', '--tolerance', '0.04');
    expect(json.status).toBe(1);
    const parsed = JSON.parse(json.stdout) as { flags: { node: string }[]; nodes: string[]; tolerance: number };
    expect(parsed.tolerance).toBe(0.04);
    expect(parsed.flags.map((f) => f.node)).toEqual(['node003']);
  });

  it('exits 0 for two healthy hosts that each ran quick and standard, and notes that the profiles were kept apart', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-compare-profiles-'));
    for (const host of ['node001', 'node002']) {
      for (const [profile, msPerStep, testErrorPct, startedAt] of [['quick', 100, 15, '2024-05-01T10:00:00.000Z'], ['standard', 300, 1.7, '2024-05-01T11:00:00.000Z']] as const) {
        writeFileSync(path.join(dir, `${host}-${profile}.json`), JSON.stringify(profileReport(host, profile, { msPerStep, testErrorPct, startedAt }).report));
      }
    }
    const run = cli(dir);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('note: reports of profiles quick, standard were kept apart');
    expect(run.stdout).toMatch(/^NODE +quick:lenet\/tfjs\/cpu ms_per_step_median \[ms\] +quick:lenet\/tfjs\/cpu test_error_pct \[%\] +standard:lenet/);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('mlcheck compare: no node flagged among 2 (tolerance 10%)');
    expect(run.status).toBe(0);
  });

  it('refuses a file that is not a valid report with exit 2, naming the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-compare-bad-'));
    const broken = { ...nodeReport('n1', 100), cases: 'none' };
    writeFileSync(path.join(dir, 'broken.json'), JSON.stringify(broken));
    const run = cli(path.join(dir, 'broken.json'));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${path.join(dir, 'broken.json')} does not match the mlcheck report schema`);
    expect(cli(path.join(dir, 'missing.json')).status).toBe(2);
  });
});
