import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { cliPath, repoRoot, sharedDataDir } from './helpers/paths.js';

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool) console.warn('SKIPPED promtool part: `promtool` is not installed (Debian package `prometheus`)');

describe('reports of a real run (mlcheck run iris hello --json --junit --prom)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-report-run-'));
  const files = { json: path.join(dir, 'r.json'), junit: path.join(dir, 'r.xml'), prom: path.join(dir, 'r.prom') };
  const run = spawnSync(
    process.execPath,
    [cliPath, 'run', 'iris', 'hello', '--data-dir', sharedDataDir, '--out', path.join(dir, 'run'), '--json', files.json, '--junit', files.junit, '--prom', files.prom],
    { encoding: 'utf8', timeout: 300_000 },
  );

  it('exits 0 and closes the console output with one PASS line', () => {
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^mlcheck: PASS \d+ cases/);
  });

  it('writes JSON that the shipped schema accepts (checked with ajv directly)', () => {
    const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schema', 'report.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, allowUnionTypes: true }).compile(schema);
    const report = JSON.parse(readFileSync(files.json, 'utf8')) as { session: { counts: Record<string, number> }; cases: { workload: string; metrics: Record<string, unknown> }[]; probe: unknown };
    expect(validate(report) ? [] : validate.errors).toEqual([]);
    expect(report.cases.map((c) => c.workload).sort()).toEqual(expect.arrayContaining(['hello', 'iris']));
    expect(report.session.counts.pass).toBeGreaterThanOrEqual(2);
    expect(report.probe).not.toBeNull();
    const runDirCopy = JSON.parse(readFileSync(path.join(dir, 'run', 'report.json'), 'utf8')) as unknown;
    expect(validate(runDirCopy)).toBe(true);
  });

  it('writes JUnit XML with one testcase per node verdict that decides the node, then one per case', () => {
    const xml = readFileSync(files.junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(xml) as { testsuites: { tests: string; testsuite: { testcase: { name: string }[] } } };
    const report = JSON.parse(readFileSync(files.json, 'utf8')) as { cases: { id: string }[]; probe: { verdicts: { subject: string; appliesToNode: boolean }[] }; outcome: { status: string; summary: string } };
    const deciding = report.probe.verdicts.filter((v) => v.appliesToNode).map((v) => v.subject);
    expect(deciding.slice(0, 2)).toEqual(['gpu-driver', 'gpu-count']);
    expect(doc.testsuites.testsuite.testcase.map((t) => t.name)).toEqual([...deciding, ...report.cases.map((c) => c.id)]);
    expect(report.outcome.status).toBe('pass');
    expect(report.outcome.summary).toMatch(/^mlcheck: PASS/);
  });

  it.skipIf(!hasPromtool)('writes a Prometheus textfile that passes `promtool check metrics`', () => {
    const text = readFileSync(files.prom, 'utf8');
    expect(text).toMatch(/^mlcheck_case_outcome\{workload="iris",engine="tfjs",backend="[a-z-]+",outcome="pass"\} 1$/m);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: '' });
  });
});
