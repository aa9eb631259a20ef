/**
 * `mlcheck slurm sweep` trusts only this sweep: a report counts only when its session names the
 * job submitted for its node (SLURM_JOB_ID, SLURMD_NODENAME), what an earlier sweep left in
 * DIR/<node>/ is removed before submitting, and an --out other users can write is refused before
 * anything is written there. Slurm's commands are stand-ins (SLURM_BINDIR): sbatch "submits" job
 * 4242 and can drop a given report where the job would write it; scontrol says how the job ended.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath } from './helpers/paths.js';
import { runNode } from './helpers/run-process.js';

let work: string;
let bin: string;
/** A real report of `mlcheck run` inside "job 4242 on node01" (a passing hello on the CPU). */
let jobReport: Record<string, unknown> & { session: Record<string, unknown>; outcome: Record<string, unknown> };

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-sweep-trust-'));
  bin = path.join(work, 'bin');
  mkdirSync(bin);
  const standIn = (name: string, lines: string[]): void => writeFileSync(path.join(bin, name), ['#!/bin/sh', ...lines, ''].join('\n'), { mode: 0o755 });
  standIn('scontrol', [
    'case "$1 $2" in',
    '  "show hostnames") echo "$3" | tr , "\\n" ;;',
    '  "show node") echo "NodeName=node01 Arch=x86_64 State=IDLE" ;;',
    '  "show job") echo "JobId=$4 JobName=mlcheck-sweep JobState=${STANDIN_JOB_STATE:-COMPLETED} Reason=None ExitCode=0:0" ;;',
    '  *) echo "unexpected: scontrol $*" >&2; exit 1 ;;',
    'esac',
  ]);
  // The job "runs" at once: its report (if the test gives one) appears where the job writes it.
  standIn('sbatch', ['for arg; do case "$arg" in --chdir=*) dir="${arg#--chdir=}" ;; esac; done', 'if [ -n "$STANDIN_REPORT" ]; then cp "$STANDIN_REPORT" "$dir/report.json"; fi', 'echo 4242']);
  standIn('squeue', ['exit 0']);
  standIn('scancel', ['exit 0']);

  const run = path.join(work, 'job-run');
  const result = await runNode(cliPath, ['run', 'hello', '--engine', 'tfjs', '--backend', 'wasm', '--no-probe', '--out', run, '--json', path.join(work, 'job-report.json')], {
    env: { ...process.env, SLURM_JOB_ID: '4242', SLURMD_NODENAME: 'node01' },
    timeoutMs: 120_000,
  });
  expect(result.status, result.stdout + result.stderr).toBe(0);
  jobReport = JSON.parse(readFileSync(path.join(work, 'job-report.json'), 'utf8'));
}, 180_000);
afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** The job's report with changes: another job, another node, no job at all, or a failure. */
function reportFile(name: string, change: { slurm?: unknown; fail?: boolean } = {}): string {
  const report = structuredClone(jobReport);
  if ('slurm' in change) report.session.slurm = change.slurm;
  if (change.fail === true) report.outcome = { ...report.outcome, status: 'fail', summary: 'mlcheck: FAIL lenet/onnx test error 31.2% > 8', subjects: ['lenet/onnx/cuda'] };
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(report));
  return file;
}

function sweep(out: string, env: Record<string, string> = {}, extra: string[] = []) {
  return runNode(cliPath, ['slurm', 'sweep', '--nodes', 'node01', '--profile', 'smoke', '--out', out, ...extra], { env: { ...process.env, SLURM_BINDIR: bin, ...env }, timeoutMs: 120_000 });
}

const freshOut = (): string => mkdtempSync(path.join(work, 'out-'));

describe('a report counts only when it names the job submitted for its node', () => {
  it('records the Slurm job in the report: session.slurm from SLURM_JOB_ID and SLURMD_NODENAME', () => {
    expect(jobReport.session.slurm).toEqual({ jobId: '4242', node: 'node01' });
  });

  it("this job's report counts (a pass), and a failing one drains with the sweep as its source", async () => {
    // An --out that does not exist yet is made, the caller's alone.
    const out = path.join(freshOut(), 'sweeps', 'today');
    const passing = await sweep(out, { STANDIN_REPORT: reportFile('this-job') });
    expect(passing.status, passing.stdout + passing.stderr).toBe(0);
    expect(lstatSync(out).mode & 0o022).toBe(0);
    expect(passing.stdout).toMatch(/^node01 +pass +4242 COMPLETED +mlcheck: PASS 1 case$/m);
    const failing = await sweep(freshOut(), { STANDIN_REPORT: reportFile('this-job-fails', { fail: true }) }, ['--drain', '--dry-run']);
    expect(failing.status, failing.stdout + failing.stderr).toBe(1);
    expect(failing.stdout).toMatch(/^dry run: scontrol update nodename=node01 state=drain 'reason=mlcheck sweep\/smoke: FAIL lenet\/onnx\/cuda: test error 31\.2% > 8'$/m);
  });

  it('a passing report left by an earlier sweep, for a node whose job died (NODE_FAIL): undecided (exit 3), and it is removed before submitting', async () => {
    const out = freshOut();
    mkdirSync(path.join(out, 'node01'));
    writeFileSync(path.join(out, 'node01', 'report.json'), readFileSync(reportFile('earlier-sweep', { slurm: { jobId: '17', node: 'node01' } })));
    writeFileSync(path.join(out, 'node01', 'slurm-17.out'), 'an earlier job\n');
    const result = await sweep(out, { STANDIN_JOB_STATE: 'NODE_FAIL' });
    expect(result.status, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(/^node01 +undecided +4242 NODE_FAIL +job NODE_FAIL with exit code 0 and no report of this job/m);
    expect(existsSync(path.join(out, 'node01', 'report.json'))).toBe(false);
    expect(existsSync(path.join(out, 'node01', 'slurm-17.out'))).toBe(false);
  });

  it.each([
    ['another job', { slurm: { jobId: '17', node: 'node01' } }, /ignored: it is job 17's, not job 4242's/],
    ['another node', { slurm: { jobId: '4242', node: 'node02' } }, /ignored: it ran on node02, not on node01/],
    ['no Slurm job', { slurm: null }, /ignored: it names no Slurm job/],
  ])('a report of %s never counts: a pass is undecided, a failure never drains', async (_what, slurm, ignored) => {
    const passing = await sweep(freshOut(), { STANDIN_REPORT: reportFile('foreign-pass', slurm), STANDIN_JOB_STATE: 'NODE_FAIL' });
    expect(passing.status, passing.stdout + passing.stderr).toBe(3);
    expect(passing.stdout).toMatch(/^node01 +undecided +4242 NODE_FAIL /m);
    expect(passing.stdout).toMatch(ignored);
    const failing = await sweep(freshOut(), { STANDIN_REPORT: reportFile('foreign-fail', { ...slurm, fail: true }) }, ['--drain', '--dry-run']);
    expect(failing.status, failing.stdout + failing.stderr).toBe(3);
    expect(failing.stdout).not.toMatch(/state=drain/);
  });
});

describe('--out must be the caller\'s alone; the sweep never writes through a planted link', () => {
  it('a link planted at DIR/<node>/mlcheck-job.sh in a world-writable --out: exit 2 with the fix, and the link\'s target untouched', async () => {
    const out = freshOut();
    mkdirSync(path.join(out, 'node01'));
    chmodSync(out, 0o1777);
    chmodSync(path.join(out, 'node01'), 0o777);
    const target = path.join(work, 'victim');
    writeFileSync(target, 'not a job script\n');
    symlinkSync(target, path.join(out, 'node01', 'mlcheck-job.sh'));
    const result = await sweep(out);
    expect(result.status, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain(`refusing --out ${out}: the directory ${out} is mode 1777 (writable by every user)`);
    expect(result.stderr).toContain(`fix: chmod go-w ${out}`);
    expect(readFileSync(target, 'utf8')).toBe('not a job script\n');
    expect(lstatSync(path.join(out, 'node01', 'mlcheck-job.sh')).isSymbolicLink()).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)('an --out that belongs to another user: exit 2, naming its owner and the fix', async () => {
    const out = freshOut();
    chownSync(out, 65534, 65534);
    const result = await sweep(out);
    expect(result.status, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/the directory .* is owned by nobody \(uid 65534\), not by root or the invoking user/);
    expect(result.stderr).toContain(`fix: chown $(id -un) ${out}`);
  });

  it("in the caller's own --out, an old link at the job script's path is removed, never written through", async () => {
    const out = freshOut();
    mkdirSync(path.join(out, 'node01'), { mode: 0o755 });
    const target = path.join(work, 'victim-own');
    writeFileSync(target, 'not a job script\n');
    symlinkSync(target, path.join(out, 'node01', 'mlcheck-job.sh'));
    const result = await sweep(out, { STANDIN_REPORT: reportFile('own-out') });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('not a job script\n');
    const script = path.join(out, 'node01', 'mlcheck-job.sh');
    expect(lstatSync(script).isFile()).toBe(true);
    expect(readFileSync(script, 'utf8')).toMatch(/^#!\/bin\/sh\n# Written by mlcheck slurm sweep for node01\.\nexec .* run --json /);
  });
});
