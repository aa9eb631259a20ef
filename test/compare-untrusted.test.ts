/**
 * `mlcheck compare` reads reports as untrusted input (issue 22, findings 6, 7 and 9): the reports
 * sit in a world-writable folder, as they must where NFS squashes root, and an ordinary user
 * (`nobody`, through setpriv) plants files there; mlcheck compare runs as root. A planted FIFO
 * must not hang it, a link to /etc/shadow must not be followed nor its bytes printed, a report
 * claiming another host must not hide that host's failure, and no escape code from a report may
 * reach the terminal.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult } from '../src/references/results.js';
import { buildJsonReport } from '../src/report/index.js';
import { withDecision } from '../src/references/run-outcome.js';
import { cliPath } from './helpers/paths.js';
import { runNode } from './helpers/run-process.js';
import { caseResult, metric, record } from './helpers/run-record-fixtures.js';

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;

/** Every byte a terminal could take for the start of a control sequence, except tab and line feed. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let work: string;

function report(host: string, options: { fails?: boolean; startedAt?: string; workload?: string; metricName?: string; unit?: string } = {}) {
  const iris: Partial<CaseResult> = options.fails
    ? { outcome: 'fail', failPhase: 'sanity', reason: 'test_accuracy 0.3 < 0.9', metrics: { test_accuracy: metric(0.3, '') } }
    : { metrics: { test_accuracy: metric(0.967, '') } };
  const cases = [caseResult('iris', iris)];
  if (options.workload !== undefined) cases.push(caseResult(options.workload, { metrics: { [options.metricName ?? 'ms_per_step_median']: metric(100, options.unit ?? 'ms') } }));
  return buildJsonReport(withDecision(record(cases, { host, id: `session-${host}`, ...(options.startedAt !== undefined && { startedAt: options.startedAt }) })));
}

/** The shared folder as a fleet left it: node01 and node02 pass, node03's iris fails. */
function freshFleet(): string {
  const dir = mkdtempSync(path.join(work, 'fleet-'));
  chmodSync(dir, 0o1777);
  for (const [host, fails] of [['node01', false], ['node02', false], ['node03', true]] as const) {
    mkdirSync(path.join(dir, host), { mode: 0o755 });
    writeFileSync(path.join(dir, host, 'report.json'), JSON.stringify(report(host, { fails })));
  }
  return dir;
}

/** The attacker's steps, run as nobody: a shell script with its input on stdin. */
function asNobody(script: string, input = ''): void {
  const run = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'sh', '-c', script], { input, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
}

function compare(args: string[]) {
  // A planted FIFO once hung compare in open(): the timeout turns a hang into a failed test.
  return runNode(cliPath, ['compare', ...args], { timeoutMs: 60_000 });
}

/** What `mlcheck compare DIR/*\/report.json` passes. */
const reportsIn = (dir: string): string[] => ['node01', 'node02', 'node03', 'planted'].map((node) => path.join(dir, node, 'report.json'));

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-compare-untrusted-'));
  // nobody must reach the shared folders inside.
  chmodSync(work, 0o755);
});
afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!isRoot || !hasSetpriv)('mlcheck compare (as root) over a folder where nobody planted files', () => {
  it('finding 7: a planted report that claims node03 and a start in 2099 is refused, and node03\'s real failure still flags it (exit 1)', async () => {
    const dir = freshFleet();
    asNobody(`mkdir ${dir}/planted && cat > ${dir}/planted/report.json`, JSON.stringify(report('node03', { startedAt: '2099-01-01T00:00:00.000Z' })));
    const run = await compare(reportsIn(dir));
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('FLAG node03: iris/tfjs/cpu failed here but passed on 2 of 3 nodes');
    expect(run.stdout).toContain(`REFUSED ${dir}/planted/report.json (claims host node03): says it started at 2099-01-01T00:00:00.000Z, in the future (more than 5 min ahead of this host's clock)`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('mlcheck compare: 1 of 3 nodes flagged: node03; 1 report refused, so the comparison is incomplete');
  });

  it('finding 7: a planted report for node03 with a plausible, later start flags node03, naming both files and what each says', async () => {
    const dir = freshFleet();
    asNobody(`mkdir ${dir}/planted && cat > ${dir}/planted/report.json`, JSON.stringify(report('node03', { startedAt: '2024-05-02T10:00:00.000Z' })));
    const run = await compare([dir]);
    expect(run.status, run.stdout + run.stderr).toBe(1);
    const flag = run.stdout.split('\n').find((line) => line.startsWith('FLAG node03: 2 quick reports claim this host'));
    expect(flag, run.stdout).toBeDefined();
    expect(flag).toContain(`${dir}/node03/report.json (started 2024-05-01T10:00:00.000Z: mlcheck: FAIL iris/tfjs test accuracy 0.3 < 0.9)`);
    expect(flag).toContain(`${dir}/planted/report.json (started 2024-05-02T10:00:00.000Z: mlcheck: PASS 1 case)`);
  });

  it('finding 9: a report.json linked to /etc/shadow is not followed and none of its bytes are printed', async () => {
    const dir = freshFleet();
    asNobody(`mkdir ${dir}/planted && ln -s /etc/shadow ${dir}/planted/report.json`);
    const shadowStart = readFileSync('/etc/shadow', 'utf8').slice(0, 8);
    const alone = await compare([path.join(dir, 'planted', 'report.json')]);
    expect(alone.status, alone.stdout + alone.stderr).toBe(2);
    expect(alone.stderr).toContain(`mlcheck: ${dir}/planted/report.json is a symbolic link: not followed`);
    const fleet = await compare(reportsIn(dir));
    expect(fleet.status, fleet.stdout + fleet.stderr).toBe(1);
    expect(fleet.stdout).toContain(`REFUSED ${dir}/planted/report.json: is a symbolic link: not followed`);
    for (const output of [alone.stdout, alone.stderr, fleet.stdout, fleet.stderr]) expect(output).not.toContain(shadowStart);
  });

  it('finding 5 (compare): a FIFO planted as a report does not hang compare; it is refused and the others are compared', async () => {
    const dir = freshFleet();
    asNobody(`mkdir ${dir}/planted && mkfifo ${dir}/planted/report.json`);
    const named = await compare(reportsIn(dir));
    expect(named.status, named.stdout + named.stderr).toBe(1);
    expect(named.stdout).toContain(`REFUSED ${dir}/planted/report.json: is a FIFO (named pipe), not a regular file`);
    expect(named.stdout).toContain('FLAG node03: iris/tfjs/cpu failed here but passed on 2 of 3 nodes');
    const searched = await compare([dir]);
    expect(searched.status, searched.stdout + searched.stderr).toBe(1);
    expect(searched.stdout).toContain(`REFUSED ${dir}/planted/report.json: is not a regular file`);
  });

  it('finding 6: escape codes, carriage returns and line breaks in a report never reach the terminal; each is shown escaped', async () => {
    const dir = freshFleet();
    const hostile = '\u001b]0;pwned\u0007\u001b[2J\rFAKE\nmlcheck compare: no node flagged';
    asNobody(`mkdir ${dir}/planted && cat > ${dir}/planted/report.json`, JSON.stringify(report('node04', { workload: `lenet${hostile}`, metricName: `ms_per_step_median${hostile}`, unit: `ms${hostile}` })));
    asNobody(`mkdir ${dir}/planted2 && cat > ${dir}/planted2/report.json`, JSON.stringify(report(`node04${hostile}`)));
    const run = await compare([dir]);
    const output = run.stdout + run.stderr;
    expect(output).not.toMatch(CONTROL);
    expect(run.status, output).toBe(1);
    expect(run.stdout).toContain('lenet\\u001b]0;pwned\\u0007\\u001b[2J FAKE mlcheck compare: no node flagged/tfjs/cpu');
    // The host a report names must be a name as mlcheck writes it: no control characters.
    expect(run.stdout).toMatch(new RegExp(`^REFUSED ${dir}/planted2/report.json \\(claims host node04\\\\u001b\\]0;pwned.*\\): has a session\\.host that is not a name of at most 255 characters without control characters$`, 'm'));
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('mlcheck compare: 1 of 4 nodes flagged: node03; 1 report refused, so the comparison is incomplete');
    const json = await compare([dir, '--json']);
    expect(json.stdout).not.toMatch(CONTROL);
    const parsed = JSON.parse(json.stdout) as { nodes: string[]; refused: { file: string; problem: string }[] };
    expect(parsed.nodes).toEqual(['node01', 'node02', 'node03', 'node04']);
    expect(parsed.refused.map((r) => r.file)).toEqual([`${dir}/planted2/report.json`]);
  });
});

describe('mlcheck compare: a bad report is listed with its problem, and the rest are compared', () => {
  it('one report that breaks the schema among healthy ones: the others are compared, and the fleet is undecided (exit 3)', async () => {
    const dir = mkdtempSync(path.join(work, 'bad-'));
    for (const host of ['node01', 'node02']) writeFileSync(path.join(dir, `${host}.json`), JSON.stringify(report(host)));
    writeFileSync(path.join(dir, 'node03.json'), JSON.stringify({ ...report('node03'), cases: 'none' }));
    const run = await compare([dir]);
    expect(run.status, run.stdout + run.stderr).toBe(3);
    expect(run.stdout).toContain(`REFUSED ${dir}/node03.json (claims host node03): does not match the mlcheck report schema: cases: expected a list, found "none"`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('mlcheck compare: no node flagged among 2 (tolerance 10%); 1 report refused, so the comparison is incomplete');
  });

  it('a file larger than 16 MiB is refused without being read', async () => {
    const dir = mkdtempSync(path.join(work, 'huge-'));
    writeFileSync(path.join(dir, 'node01.json'), JSON.stringify(report('node01')));
    const huge = path.join(dir, 'node02.json');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 16 * 1024 * 1024 + 1);
    closeSync(fd);
    const run = await compare([dir]);
    expect(run.status, run.stdout + run.stderr).toBe(3);
    expect(run.stdout).toContain(`REFUSED ${huge}: is 16777217 bytes, more than the 16777216 a report may have`);
  });

  it('a file of random bytes and one nested thousands deep are refused, without quoting either', async () => {
    const dir = mkdtempSync(path.join(work, 'garbage-'));
    writeFileSync(path.join(dir, 'node01.json'), JSON.stringify(report('node01')));
    writeFileSync(path.join(dir, 'node02.json'), Buffer.from([0x7b, 0x22, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe, 0x00, 0x9b]));
    writeFileSync(path.join(dir, 'node03.json'), `{"kind":"mlcheck-run-report","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    writeFileSync(path.join(dir, 'node04.json'), 'root:$y$j9T$secret-looking-text:19000:0:99999:7:::');
    const run = await compare([dir]);
    expect(run.status, run.stdout + run.stderr).toBe(3);
    expect(run.stdout).toContain(`REFUSED ${dir}/node02.json: is not UTF-8 text`);
    expect(run.stdout).toContain(`REFUSED ${dir}/node03.json: nests more than 64 levels deep`);
    expect(run.stdout).toContain(`REFUSED ${dir}/node04.json: is not JSON`);
    expect(run.stdout + run.stderr).not.toContain('secret-looking');
    expect(run.stdout + run.stderr).not.toMatch(CONTROL);
  });
});
