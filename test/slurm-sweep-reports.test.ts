/**
 * `mlcheck slurm sweep` reads each node's report as untrusted input (issue 22, findings 5 and 6):
 * one crafted report (a schema break, a NUL or escape codes in outcome.summary, a FIFO, a link to
 * /etc/shadow, a huge field, wrong types, deep nesting) makes its own node undecided, and the
 * other nodes are still judged and drained: node03's genuine gpu-ecc failure is drained whatever
 * node01's report holds. No control character from a report reaches the terminal or the drain
 * reason scontrol stores.
 *
 * Slurm's commands are stand-ins (test/helpers/sweep-standins.ts): the job of a node "runs" at
 * once and leaves what the test planted as its report; scontrol logs each `update` it is given.
 * The node's job writes DIR/<node>/report.json, so the stand-in plants it as the job would.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../src/report/index.js';
import { buildJsonReport } from '../src/report/index.js';
import { withDecision } from '../src/references/run-outcome.js';
import { cliPath } from './helpers/paths.js';
import { runNode } from './helpers/run-process.js';
import { standInJobId, writeSweepStandIns } from './helpers/sweep-standins.js';
import { caseResult, metric, record } from './helpers/run-record-fixtures.js';

const NODES = ['node01', 'node02', 'node03'];
/** Every byte a terminal could take for the start of a control sequence, except tab and line feed. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\rFAKE all good\nnode04 pass';
const ECC = 'mlcheck: FAIL gpu-ecc: GPU 1 (0000:08:00.0): 3 volatile uncorrectable ECC errors';

let work: string;
let bin: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-sweep-reports-'));
  bin = path.join(work, 'bin');
  mkdirSync(bin);
  writeSweepStandIns(bin);
});
afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** A report of `mlcheck run` in this node's sweep job: a passing hello, or the failure given. */
function jobReport(node: string, options: { outcome?: JsonReport['outcome']; cases?: Parameters<typeof record>[0] } = {}): JsonReport {
  const report = buildJsonReport(withDecision(record(options.cases ?? [caseResult('hello', { metrics: { sum: metric(42, '') } })], { host: 'login1', id: `session-${node}` })));
  report.session.slurm = { jobId: standInJobId(node), node };
  if (options.outcome !== undefined) report.outcome = options.outcome;
  return report;
}

const failing = (summary: string, subjects: string[]): JsonReport['outcome'] => ({ status: 'fail', summary, strict: false, subjects });

/** A fresh $STANDIN: node02 passes, node03 has a genuine gpu-ecc failure, node01 gets what the test plants. */
function standInDir(): string {
  const dir = mkdtempSync(path.join(work, 'standin-'));
  writeFileSync(path.join(dir, 'node02.json'), JSON.stringify(jobReport('node02')));
  writeFileSync(path.join(dir, 'node03.json'), JSON.stringify(jobReport('node03', { outcome: failing(ECC, ['gpu-ecc']) })));
  return dir;
}

async function sweep(standIn: string, extra: string[] = ['--drain']) {
  const out = path.join(standIn, 'out');
  // A FIFO once hung the sweep in open(), deaf to Ctrl-C: the timeout turns a hang into a failed test.
  const run = await runNode(cliPath, ['slurm', 'sweep', '--nodes', NODES.join(','), '--profile', 'smoke', '--out', out, ...extra], {
    env: { ...process.env, SLURM_BINDIR: bin, STANDIN: standIn },
    timeoutMs: 60_000,
  });
  const log = path.join(standIn, 'scontrol.log');
  return { ...run, out, scontrol: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}

type Plant = (standIn: string) => void;
const planted = (change: (report: JsonReport & Record<string, unknown>) => void): Plant => (standIn) => {
  const report = jobReport('node01') as JsonReport & Record<string, unknown>;
  change(report);
  writeFileSync(path.join(standIn, 'node01.json'), JSON.stringify(report));
};

describe("finding 5: one crafted report makes only its own node undecided; node03's genuine failure is still drained", () => {
  // Written as text: JSON.stringify itself runs out of stack on such a value.
  const nestedTenThousandDeep: Plant = (standIn) => {
    const report = jobReport('node01');
    report.probe = { verdicts: [], cpu: 'NESTED' } as unknown as JsonReport['probe'];
    writeFileSync(path.join(standIn, 'node01.json'), JSON.stringify(report).replace('"NESTED"', `${'['.repeat(10_000)}1${']'.repeat(10_000)}`));
  };
  it.each<[string, Plant, string]>([
    ['breaks the schema', planted((r) => Object.assign(r, { cases: 'none' })), 'does not match the mlcheck report schema: cases: expected a list, found "none"'],
    ['has a NUL byte in outcome.summary', planted((r) => (r.outcome = failing('mlcheck: FAIL lenet/onnx/cuda \u0000 oops', ['lenet/onnx/cuda']))), 'has an outcome.summary that is not one line of at most 200 characters without control characters, as mlcheck writes it'],
    ['has escape codes, \\r and \\n in outcome.summary (finding 6)', planted((r) => (r.outcome = failing(`mlcheck: FAIL lenet/onnx/cuda ${HOSTILE}`, ['lenet/onnx/cuda']))), 'has an outcome.summary that is not one line of at most 200 characters without control characters, as mlcheck writes it'],
    ['is a FIFO', (standIn) => writeFileSync(path.join(standIn, 'node01.fifo'), ''), 'is a FIFO (named pipe), not a regular file'],
    ['is a link to /etc/shadow', (standIn) => writeFileSync(path.join(standIn, 'node01.link'), '/etc/shadow'), 'is a symbolic link: not followed'],
    ['has a huge field (a summary of a million characters)', planted((r) => (r.outcome = failing(`mlcheck: FAIL ${'x'.repeat(1_000_000)}`, ['lenet/onnx/cuda']))), 'has an outcome.summary that is not one line of at most 200 characters without control characters, as mlcheck writes it'],
    ['has wrong types (outcome.status 42)', planted((r) => (r.outcome = { ...r.outcome!, status: 42 as unknown as 'pass' })), 'does not match the mlcheck report schema: outcome.status: expected pass, warn, fail or undecided, found 42'],
    ['nests ten thousand deep', nestedTenThousandDeep, 'nests more than 64 levels deep'],
  ])('node01\'s report %s: node01 undecided, node03 drained, exit 1', async (_what, plant, problem) => {
    const standIn = standInDir();
    plant(standIn);
    const run = await sweep(standIn);
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(1);
    const row = run.stdout.split('\n').find((line) => line.startsWith('node01 '));
    expect(row, run.stdout).toMatch(/^node01 +undecided +101 COMPLETED +/);
    expect(row).toContain(`${run.out}/node01/report.json refused: it ${problem}`);
    expect(run.stdout).toMatch(/^node02 +pass +102 COMPLETED +mlcheck: PASS 1 case$/m);
    expect(run.stdout).toMatch(/^node03 +fail +103 COMPLETED +mlcheck: FAIL gpu-ecc: /m);
    expect(run.stdout).toMatch(/^sweep: 3 nodes, 1 passed, 1 fail, 1 undecided, 0 not started, 0 skipped, 0 outliers$/m);
    expect(run.scontrol).toBe('update nodename=node03 state=drain reason=mlcheck sweep/smoke: FAIL gpu-ecc: GPU 1 (0000:08:00.0): 3 volatile uncorrectable ECC errors\n');
    expect(output).not.toMatch(CONTROL);
    expect(output).not.toContain(readFileSync('/etc/shadow', 'utf8').slice(0, 8));
  });
});

describe('finding 6: report text never reaches the terminal or a drain reason raw', () => {
  it('a case name full of escape codes, in the outlier drain reason and the comparison table: shown escaped, stored escaped', async () => {
    const standIn = mkdtempSync(path.join(work, 'standin-'));
    for (const [node, msPerStep] of [['node01', 200], ['node02', 100], ['node03', 104]] as const) {
      const cases = [caseResult(`lenet${HOSTILE}`, { metrics: { ms_per_step_median: metric(msPerStep, 'ms') } })];
      writeFileSync(path.join(standIn, `${node}.json`), JSON.stringify(jobReport(node, { cases })));
    }
    const run = await sweep(standIn, ['--drain-outliers']);
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(1);
    expect(output).not.toMatch(CONTROL);
    expect(run.scontrol).not.toMatch(CONTROL);
    expect(run.scontrol).toMatch(/^update nodename=node01 state=drain reason=mlcheck outlier\/quick: SLOW lenet\\u001b\]0;pwned\\u0007\\u001b\[2J_FAKE_all_good_node04_pass\/tfjs\/cpu: /);
    expect(run.scontrol.split('\n').filter(Boolean)).toHaveLength(1);
    expect(run.stdout).toContain('lenet\\u001b]0;pwned\\u0007\\u001b[2J FAKE all good node04 pass/tfjs/cpu ms_per_step_median [ms]');
  });
});
