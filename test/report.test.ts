import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { buildJsonReport, renderConsole, renderJunit, renderPrometheus, validateReport, verdictLine } from '../src/report/index.js';
import { withDecision } from '../src/references/run-outcome.js';
import { distModule } from './helpers/paths.js';
import { caseResult, metric, mixedRecord, record } from './helpers/run-record-fixtures.js';

describe('JSON report', () => {
  it('validates against the shipped schema, with counts per outcome and metrics with reference and verdict', () => {
    const report = buildJsonReport(withDecision(mixedRecord()));
    const roundTripped = JSON.parse(JSON.stringify(report)) as unknown;
    const result = validateReport(roundTripped);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(report.schemaVersion).toBe(1);
    expect(report.session).toMatchObject({ host: 'node001', user: 'alice', commandLine: ['mlcheck', 'run', 'iris', 'lenet'], total: 6 });
    expect(report.session.counts).toEqual({ pass: 1, fail: 2, warn: 1, skip: 1, error: 1 });
    const lenet = report.cases.find((c) => c.id === 'lenet/tfjs/wasm')!;
    expect(lenet.metrics.ms_per_step_median).toEqual({ value: 120.5, unit: 'ms', reference: { value: 100, lower: -0.5, upper: 0.3 }, threshold: null, verdict: 'pass' });
    expect(lenet.metrics.test_error_pct).toMatchObject({ value: 3.1, threshold: { max: 1 }, verdict: 'fail' });
    expect(lenet.metrics.diverged_loss!.value).toBeNull();
    expect((report.probe as unknown as { verdicts: unknown[] }).verdicts).toHaveLength(2);
  });

  it('validates a probe-less run with no cases', () => {
    const result = validateReport(JSON.parse(JSON.stringify(buildJsonReport(withDecision(record([], { endedAt: null }))))));
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('rejects documents that break the contract, naming the path', () => {
    const report = JSON.parse(JSON.stringify(buildJsonReport(withDecision(mixedRecord())))) as { cases: { outcome: string; metrics: Record<string, unknown> }[]; session: Record<string, unknown> };
    report.cases[0]!.outcome = 'maybe';
    delete report.session.counts;
    const result = validateReport(report);
    expect(result.valid).toBe(false);
    const errors = result.valid ? [] : result.errors.join('\n');
    expect(errors).toContain('cases[0].outcome: expected pass, fail, warn, skip or error, found "maybe"');
    expect(errors).toContain('session.counts: expected a "counts" key, found nothing');

    const badMetric = JSON.parse(JSON.stringify(buildJsonReport(withDecision(mixedRecord())))) as typeof report;
    badMetric.cases[0]!.metrics.test_accuracy = { value: 0.9, unit: '' };
    expect(validateReport(badMetric).valid).toBe(false);
  });
});

describe('JUnit report', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testcase', 'property'].includes(name) });

  it('round-trips through an XML parser: one testcase per case, outcomes as elements, metrics as properties', () => {
    const xml = renderJunit(withDecision(mixedRecord()));
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml) as { testsuites: { tests: string; failures: string; errors: string; skipped: string; testsuite: Suite } };
    interface Property { name: string; value: string }
    interface Testcase { name: string; classname: string; time: string; properties: { property: Property[] }; failure?: { message: string; type: string; '#text'?: string }; error?: { message: string; type: string }; skipped?: { message: string }; 'system-out'?: string }
    interface Suite { hostname: string; properties: { property: Property[] }; testcase: Testcase[] }
    expect(doc.testsuites).toMatchObject({ tests: '6', failures: '2', errors: '1', skipped: '1' });
    const suite = doc.testsuites.testsuite;
    expect(suite.hostname).toBe('node001');
    expect(suite.properties.property).toContainEqual({ name: 'probe.cuda', value: 'fail: no NVIDIA GPU: "cuda" packages would segfault' });
    const byName = Object.fromEntries(suite.testcase.map((t) => [t.name, t]));
    expect(Object.keys(byName)).toEqual(['iris/tfjs/cpu', 'lenet/tfjs/wasm', 'vae/tfjs/cpu', 'inception/onnx/cpu', 'hello/tfjs/cpu', 'hello/onnx/cpu']);

    expect(byName['iris/tfjs/cpu']!.failure).toBeUndefined();
    expect(byName['iris/tfjs/cpu']!['system-out']).toBe('Prediction is "Setosa" (99.8%), expected "Setosa"');
    expect(byName['lenet/tfjs/wasm']!.failure).toMatchObject({ message: 'test_error_pct 3.10% > 1%', type: 'sanity' });
    expect(byName['lenet/tfjs/wasm']!.properties.property).toContainEqual({ name: 'metric.test_error_pct', value: '3.10% (max 1) fail' });
    expect(byName['lenet/tfjs/wasm']!.properties.property).toContainEqual({ name: 'metric.ms_per_step_median', value: '120.5 ms (ref 100 -50%..+30%) pass' });
    const crash = byName['vae/tfjs/cpu']!.failure!;
    expect(crash.message).toBe('crashed in phase run: killed by SIGSEGV <native> & "friends"');
    expect(crash['#text']).toContain('Segmentation fault');
    expect(byName['inception/onnx/cpu']!.skipped!.message).toContain('mlcheck datasets fetch imagenet');
    expect(byName['hello/tfjs/cpu']!['system-out']).toMatch(/^WARN: ms_per_step_median 300 ms/);
    expect(byName['hello/onnx/cpu']!.error).toMatchObject({ message: 'interrupted by SIGTERM', type: 'interrupted' });
  });

  it('stamps the suite with the local start time as the JUnit XSD wants it: no fraction, no zone', () => {
    const startedAt = '2024-05-01T23:59:58.750Z';
    const suiteTimestamp = (xml: string): string => (parser.parse(xml) as { testsuites: { testsuite: { timestamp: string } } }).testsuites.testsuite.timestamp;
    const timestamp = suiteTimestamp(renderJunit(withDecision(record([caseResult('iris')], { startedAt }))));
    expect(timestamp).toMatch(/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$/);
    // sv-SE formats as `YYYY-MM-DD HH:MM:SS` in this process's time zone.
    expect(timestamp).toBe(new Date(startedAt).toLocaleString('sv-SE').replace(' ', 'T'));
    // In a zone far from UTC it is that zone's wall clock, across the date line.
    const script = `const { renderJunit } = await import(${JSON.stringify(distModule('report/index.js'))}); process.stdout.write(renderJunit(${JSON.stringify(withDecision(record([caseResult('iris')], { startedAt })))}));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Kolkata' } });
    expect(child.stderr).toBe('');
    expect(suiteTimestamp(child.stdout)).toBe('2024-05-02T05:29:58');
  });
});

describe('Prometheus textfile', () => {
  it('exports one outcome state set per case, metrics, the probe verdicts and the run time', () => {
    const text = renderPrometheus(withDecision(mixedRecord()));
    expect(text).toContain('mlcheck_case_outcome{workload="lenet",engine="tfjs",backend="wasm",outcome="fail"} 1');
    expect(text).toContain('mlcheck_case_outcome{workload="lenet",engine="tfjs",backend="wasm",outcome="pass"} 0');
    expect(text).toContain('mlcheck_metric{workload="lenet",engine="tfjs",backend="wasm",name="test_error_pct",unit="%"} 3.1');
    expect(text).toContain('mlcheck_metric{workload="lenet",engine="tfjs",backend="wasm",name="diverged_loss",unit=""} NaN');
    expect(text).toContain('mlcheck_probe_verdict{subject="cuda",status="fail"} 1');
    expect(text).toContain('mlcheck_probe_verdict{subject="cuda",status="pass"} 0');
    expect(text).toContain(`mlcheck_last_run_timestamp_seconds ${Date.parse('2024-05-01T10:05:00.000Z') / 1000}`);
    expect(text.match(/^mlcheck_case_outcome\{/gm)).toHaveLength(6 * 5);
    expect(text.match(/^# TYPE mlcheck_case_outcome gauge$/gm)).toHaveLength(1);
  });

  it('escapes label values', () => {
    const text = renderPrometheus(withDecision(record([caseResult('we"ird\\name\nx', { metrics: { m: metric(1, 'a"b') } })])));
    expect(text).toContain('workload="we\\"ird\\\\name\\nx"');
    expect(text).toContain('unit="a\\"b"');
  });

  const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  const hasPromtool = promtool.status === 0;
  if (!hasPromtool) console.warn('SKIPPED promtool check: `promtool` is not installed (Debian package `prometheus`)');
  it.skipIf(!hasPromtool)('passes `promtool check metrics`', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-prom-'));
    const weird = record([caseResult('we"ird\\name\nx', { metrics: { m: metric(Infinity, 'a"b') } }), ...mixedRecord().cases], { probe: mixedRecord().session.probe });
    for (const [name, rec] of [['mixed', mixedRecord()], ['weird', weird], ['empty', record([])]] as const) {
      const file = path.join(dir, `${name}.prom`);
      writeFileSync(file, renderPrometheus(withDecision(rec)));
      const check = spawnSync('promtool', ['check', 'metrics'], { input: renderPrometheus(withDecision(rec)), encoding: 'utf8' });
      expect({ name, status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ name, status: 0, output: '' });
    }
  });
});

describe('console', () => {
  it('prints a table and a one-line FAIL verdict naming the first failing case', () => {
    const text = renderConsole(withDecision(mixedRecord()), { color: false });
    expect(text).not.toContain('\u001b[');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('advice: cuda fail (no NVIDIA GPU: "cuda" packages would segfault)');
    expect(lines[1]).toMatch(/^CASE +OUTCOME +DEVICE +TIME +METRICS$/);
    expect(text).toMatch(/lenet\/tfjs\/wasm +FAIL +cpu +3\.50 s +test_error_pct 3\.10% \(max 1\) FAIL/);
    expect(lines.at(-1)).toBe('mlcheck: FAIL lenet/tfjs test error 3.10% > 1% (+1 more)');
  });

  it('colours only when asked', () => {
    expect(renderConsole(withDecision(mixedRecord()), { color: true })).toContain('\u001b[31mFAIL');
  });

  it('closes a passing run with PASS and its counts, and never breaks the line', () => {
    const passing = record([
      caseResult('iris'),
      caseResult('hello'),
      caseResult('lenet', { outcome: 'skip', reason: 'mnist\nnot staged' }),
      caseResult('vae'),
      caseResult('vae', { id: 'vae/tfjs/wasm', backend: 'wasm' }),
    ]);
    expect(verdictLine(withDecision(passing))).toBe('mlcheck: PASS 5 cases (1 skipped)');
    expect(verdictLine(withDecision(passing, { strict: true }))).toBe('mlcheck: FAIL lenet/tfjs mnist');
    const longReason = caseResult('lenet', { outcome: 'fail', failPhase: 'crash', reason: 'x'.repeat(500) });
    const line = verdictLine(withDecision(record([longReason])));
    expect(line.length).toBeLessThanOrEqual(200);
    expect(line).not.toContain('\n');
  });

  it('says UNDECIDED when nothing could be decided or the run was interrupted, and WARN for a slow case', () => {
    expect(verdictLine(withDecision(record([caseResult('lenet', { outcome: 'skip', reason: 'mnist not staged' })])))).toBe('mlcheck: UNDECIDED no case ran: mnist not staged');
    expect(verdictLine(withDecision(record([caseResult('iris'), caseResult('lenet', { outcome: 'error', failPhase: 'interrupted', reason: 'interrupted' })], { interrupted: true })))).toBe(
      'mlcheck: UNDECIDED run interrupted after 1 of 2 cases',
    );
    const slow = caseResult('lenet', { outcome: 'warn', reason: 'ms_per_step_median 300 ms is +200.0% from the reference', metrics: { ms_per_step_median: metric(300, 'ms', { verdict: 'warn' }) } });
    expect(verdictLine(withDecision(record([caseResult('iris'), slow])))).toBe('mlcheck: WARN lenet/tfjs ms per step median 300 ms is +200.0% from the reference');
  });
});
