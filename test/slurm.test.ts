/**
 * `mlcheck slurm check` and `mlcheck slurm sweep` against a real Slurm (Debian's slurm-wlm 22.05):
 * slurmctld and three slurmd daemons on this machine (test/helpers/slurm-cluster.ts). node03 is
 * made faulty by a stand-in NVIDIA driver on that node only: the fake libcuda.so.1 with cuInit
 * failing, a fixture /sys with two NVIDIA GPUs and a loaded nvidia module, set by a TaskProlog for
 * jobs and by the HealthCheckProgram/Prolog wrappers (slurmd passes its own environment to neither).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeProcfs, fakeSysfs, nvidiaGpusFrom } from './helpers/fake-node.js';
import { cliPath, repoRoot, sharedDataDir } from './helpers/paths.js';
import { runNode, runProcess, type ProcessRun } from './helpers/run-process.js';
import { hasSlurm, startSlurmCluster, type SlurmCluster } from './helpers/slurm-cluster.js';
import { formatDrainReason } from '../src/slurm/drain-reason.js';

const NODES = ['node01', 'node02', 'node03'];
const FAULTY = 'node03';
let drivers: FakeDriverDirs;
let work: string;
let faultyEnv: Record<string, string>;

beforeAll(() => {
  if (!hasSlurm) return;
  drivers = buildFakeDrivers();
  work = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-slurm-test-'));
  faultyEnv = { LD_LIBRARY_PATH: drivers.both, MLCHECK_FAKE_GPUS: 'cuinit-999', MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 2)), MLCHECK_PROCFS_ROOT: fakeProcfs('550.54.15') };
});
afterAll(() => {
  if (drivers !== undefined) rmSync(drivers.root, { recursive: true, force: true });
});

/** A /bin/sh script that exports the faulty node's variables on node03 only, then runs `body`. */
function script(name: string, body: string[], confLine?: string): string {
  const file = path.join(work, name);
  const exports = Object.entries(faultyEnv).map(([key, value]) => `export ${key}='${value}'`);
  writeFileSync(file, ['#!/bin/sh', ...(confLine ? [confLine] : []), `if [ "$SLURMD_NODENAME" = ${FAULTY} ]; then`, ...exports.map((l) => `  ${l}`), 'fi', ...body, ''].join('\n'));
  chmodSync(file, 0o755);
  return file;
}

/** `mlcheck slurm ...` from the test process, as an operator would run it on a login node. */
function mlcheck(cluster: SlurmCluster, args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return runNode(cliPath, ['slurm', ...args], { env: { ...cluster.env, ...env }, timeoutMs: 240_000 });
}

describe.skipIf(!hasSlurm)('on a real 3-node Slurm cluster: sweeps and checks', () => {
  let cluster: SlurmCluster;
  beforeAll(async () => {
    // A TaskProlog's "export NAME=value" lines reach the tasks of that node only.
    const taskProlog = path.join(work, 'task-prolog.sh');
    writeFileSync(taskProlog, ['#!/bin/sh', `if [ "$SLURMD_NODENAME" = ${FAULTY} ]; then`, ...Object.entries(faultyEnv).map(([k, v]) => `  echo "export ${k}=${v}"`), 'fi', ''].join('\n'), { mode: 0o755 });
    cluster = await startSlurmCluster({ nodes: NODES, extraConfig: () => [`TaskProlog=${taskProlog}`] });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a sweep of three nodes finds exactly the faulty one, writes all three reports, and --drain drains it', async () => {
    const out = path.join(work, 'sweep');
    const result = await mlcheck(cluster, ['sweep', '--nodes', 'node[01-03]', '--profile', 'smoke', '--out', out, '--time-limit', '5', '--drain']);
    expect(result.status, result.stdout + result.stderr).toBe(1);
    for (const node of NODES) {
      expect(existsSync(path.join(out, node, 'report.json')), node).toBe(true);
      // Each report names the job it came from: the sweep counts it only then.
      const session = (JSON.parse(readFileSync(path.join(out, node, 'report.json'), 'utf8')) as { session: { slurm: { jobId: string; node: string } | null } }).session;
      expect(session.slurm, node).toEqual({ jobId: expect.stringMatching(/^\d+$/), node });
    }
    expect(result.stdout).toMatch(/^node01 +pass /m);
    expect(result.stdout).toMatch(/^node02 +pass /m);
    expect(result.stdout).toMatch(/^node03 +fail .*gpu-driver/m);
    expect(result.stdout).toMatch(/sweep: 3 nodes, 2 passed, 1 fail, 0 undecided, 0 not started, 0 skipped/);
    expect(result.stderr).toMatch(/sweep: \d\/3 done/);
    const states = cluster.nodeStates();
    expect(states.get(FAULTY)?.state).toMatch(/^drain/);
    expect(states.get(FAULTY)?.reason).toMatch(/^mlcheck sweep\/smoke: FAIL gpu-driver: 2 NVIDIA GPUs on PCI/);
    expect(states.get('node01')?.state).toBe('idle');
    expect(states.get('node02')?.state).toBe('idle');
  });

  // Before drain reasons named their source, this passing check resumed the sweep's drain.
  it("a sweep's drain survives a passing check, even one that re-checked the subject it names", async () => {
    const reason = cluster.nodeStates().get(FAULTY)?.reason;
    expect(reason).toMatch(/^mlcheck sweep\/smoke: FAIL gpu-driver: /);
    const result = await mlcheck(cluster, ['check', '--node', FAULTY]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/mlcheck slurm check: passed, but node03 stays drained: it was drained by mlcheck slurm sweep --drain \(profile smoke\) for gpu-driver .*a health check never resumes a sweep's drain/);
    expect(cluster.nodeStates().get(FAULTY)).toMatchObject({ state: 'drained', reason });
    cluster.run('scontrol', ['update', `nodename=${FAULTY}`, 'state=resume']);
  });

  it('a node drained by the sweep for a LeNet failure stays drained after a passing smoke check', async () => {
    const reason = formatDrainReason({ source: 'sweep', profile: 'quick', subjects: ['lenet/onnx/cuda'], word: 'FAIL', detail: 'mlcheck: FAIL lenet/onnx test error 31.2% > 8' });
    cluster.run('scontrol', ['update', 'nodename=node02', 'state=drain', `reason=${reason}`]);
    const result = await mlcheck(cluster, ['check', '--node', 'node02']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^mlcheck: PASS /);
    expect(result.stderr).toMatch(/node02 stays drained: it was drained by mlcheck slurm sweep --drain \(profile quick\) for lenet\/onnx\/cuda/);
    expect(cluster.nodeStates().get('node02')).toMatchObject({ state: 'drained', reason: 'mlcheck sweep/quick: FAIL lenet/onnx/cuda: test error 31.2% > 8' });
    cluster.run('scontrol', ['update', 'nodename=node02', 'state=resume']);
  });

  it('a node drained by slurm check is resumed once the subject it failed passes again', async () => {
    const failing = await mlcheck(cluster, ['check', '--node', 'node02'], faultyEnv);
    expect(failing.status, failing.stderr).toBe(0);
    await cluster.waitFor('node02 drained', () => /^drain/.test(cluster.nodeStates().get('node02')?.state ?? ''), 20_000);
    expect(cluster.nodeStates().get('node02')?.reason).toMatch(/^mlcheck check\/smoke: FAIL gpu-driver: 2 NVIDIA GPUs on PCI/);
    const passing = await mlcheck(cluster, ['check', '--node', 'node02']);
    expect(passing.status, passing.stderr).toBe(0);
    expect(passing.stderr).toMatch(/resumed node02 \(the check passed gpu-driver; node02 was drained by mlcheck slurm check \(profile smoke\) for gpu-driver/);
    await cluster.waitFor('node02 idle', () => cluster.nodeStates().get('node02')?.state === 'idle', 20_000);
  });

  it("an admin's drain reason survives a passing check and a failing one", async () => {
    cluster.run('scontrol', ['update', 'nodename=node01', 'state=drain', 'reason=maintenance: replace PSU']);
    expect((await mlcheck(cluster, ['check', '--node', 'node01'])).status).toBe(0);
    expect(cluster.nodeStates().get('node01')).toMatchObject({ state: 'drained', reason: 'maintenance: replace PSU' });
    const failing = await mlcheck(cluster, ['check', '--node', 'node01'], faultyEnv);
    expect(failing.stderr).toMatch(/left as it is: node01 is idle\+drain with an admin's reason "maintenance: replace PSU"/);
    expect(cluster.nodeStates().get('node01')).toMatchObject({ state: 'drained', reason: 'maintenance: replace PSU' });
    cluster.run('scontrol', ['update', 'nodename=node01', 'state=resume']);
  });

  it('undecided (exit 3: a corrupt data file) drains nothing and is logged in the Prometheus textfile', async () => {
    const data = path.join(work, 'corrupt-data');
    mkdirSync(path.join(data, 'iris'), { recursive: true });
    writeFileSync(path.join(data, 'iris', 'iris_training.csv'), readFileSync(path.join(sharedDataDir, 'iris', 'iris_training.csv')));
    writeFileSync(path.join(data, 'iris', 'iris_test.csv'), 'truncated,');
    const prom = path.join(work, 'undecided.prom');
    const result = await mlcheck(cluster, ['check', 'iris', '--node', 'node02', '--data-dir', data, '--prom', prom]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/never drains when nothing could be decided/);
    expect(cluster.nodeStates().get('node02')?.state).toBe('idle');
    const text = readFileSync(prom, 'utf8');
    expect(text).toMatch(/^mlcheck_run_outcome\{status="undecided"\} 1$/m);
    expect(text).toMatch(/^mlcheck_slurm_action\{node="node02",action="none"\} 1$/m);
  });

  it('--dry-run prints the scontrol command and leaves the node alone', async () => {
    const result = await mlcheck(cluster, ['check', '--node', 'node02', '--dry-run'], faultyEnv);
    expect(result.stdout).toMatch(/^dry run: scontrol update nodename=node02 state=drain 'reason=mlcheck check\/smoke: FAIL gpu-driver: /m);
    expect(cluster.nodeStates().get('node02')?.state).toBe('idle');
  });

  it('Ctrl-C cancels the sweep\'s jobs (scancel), still reports every node, and exits 3, never 0', async () => {
    const out = path.join(work, 'sweep-interrupted');
    const sweep = spawn(process.execPath, [cliPath, 'slurm', 'sweep', '--nodes', 'node[01-02]', '--profile', 'quick', '--data-dir', sharedDataDir, '--out', out, '--time-limit', '5'], { env: cluster.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    sweep.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    sweep.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => sweep.on('close', resolve));
    await cluster.waitFor('a sweep job running', () => /running: node0/.test(stderr), 60_000);
    sweep.kill('SIGINT');
    const status = await exited;
    expect(status, stdout + stderr).toBe(3);
    expect(stderr).toMatch(/SIGINT received: .*cancelling the jobs \(scancel\)/);
    expect(stdout).toMatch(/^node01 +(not started|undecided) /m);
    expect(stdout).toMatch(/^node02 +(not started|undecided) /m);
    expect(stdout).toMatch(/sweep: 2 nodes, 0 passed, 0 fail/);
    await cluster.waitFor('no sweep job left', () => cluster.run('squeue', ['-h', '-n', 'mlcheck-sweep', '-o', '%i']).trim() === '', 30_000);
  });
});

describe.skipIf(!hasSlurm)('on a real Slurm cluster: mlcheck as the HealthCheckProgram', () => {
  let cluster: SlurmCluster;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('drains the faulty node with its own reason (mlcheck check/smoke: ...) and leaves the others idle; its entry point needs no PATH', async () => {
    const entry = path.join(repoRoot, 'bin', 'mlcheck-slurm-check');
    cluster = await startSlurmCluster({
      nodes: NODES,
      // slurmd runs it with SLURMD_NODENAME alone (no PATH): the wrapper only adds what a test
      // cluster needs (its own slurm.conf) and node03's stand-in driver.
      extraConfig: (_dir, conf) => [`HealthCheckProgram=${script('healthcheck.sh', [`exec ${entry}`], `export SLURM_CONF='${conf}'`)}`, 'HealthCheckInterval=5', 'HealthCheckNodeState=ANY'],
      ready: (states) => states.get('node01')?.state === 'idle' && states.get('node02')?.state === 'idle' && /^drain/.test(states.get(FAULTY)?.state ?? ''),
    });
    const states = cluster.nodeStates();
    expect(states.get(FAULTY)?.reason).toMatch(/^mlcheck check\/smoke: FAIL gpu-driver: /);
    const reasons = cluster.run('sinfo', ['-R', '-h', '-o', '%n|%E']);
    expect(reasons).not.toMatch(/node01|node02/);
  }, 120_000);
});

describe.skipIf(!hasSlurm)('on a real Slurm cluster: mlcheck as the Prolog', () => {
  let cluster: SlurmCluster;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a failing prolog holds and requeues the job (Slurm drains the node); a passing one lets it run', async () => {
    const entry = path.join(repoRoot, 'bin', 'mlcheck-slurm-check');
    cluster = await startSlurmCluster({ nodes: NODES, extraConfig: (_dir, conf) => [`Prolog=${script('prolog.sh', [`exec ${entry} --prolog`], `export SLURM_CONF='${conf}'`)}`] });
    const ok = await runProcess('sbatch', ['--wait', '-w', 'node01', '-o', path.join(work, 'ok-%j.out'), '--wrap', 'echo ran'], { env: cluster.env, timeoutMs: 120_000 });
    expect(ok.status, ok.stderr).toBe(0);
    const jobId = cluster.run('sbatch', ['--parsable', '-w', FAULTY, '-o', path.join(work, 'held-%j.out'), '--wrap', 'echo ran']).trim();
    await cluster.waitFor('node03 drained by the failing prolog', () => /^drain/.test(cluster.nodeStates().get(FAULTY)?.state ?? ''), 90_000);
    expect(cluster.nodeStates().get(FAULTY)?.reason).toMatch(/Prolog error/);
    await cluster.waitFor('the job requeued and held', () => /PENDING/.test(cluster.run('scontrol', ['show', 'job', jobId])), 60_000);
    expect(cluster.run('scontrol', ['show', 'job', jobId])).toMatch(/Reason=\S*(Held|held)/);
  }, 240_000);
});
