/**
 * The prolog of a job without GPUs on a shared GPU node, run by a real slurmd (Debian's
 * slurm-wlm 22.05, test/helpers/slurm-cluster.ts): Slurm gives the Prolog SLURM_JOB_ID and, for
 * a job that asked for no GPU, no SLURM_JOB_GPUS. The node has two GPUs (the fake NVIDIA driver,
 * a stand-in /sys and /proc, set by the Prolog script, since slurmd passes its own environment
 * to no Prolog), and another job's process holds GPU 1.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeSnapshot } from '../src/probe/index.js';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeProcfs, fakeSysfs, kernelLogFixture, nvidiaGpusFrom } from './helpers/fake-node.js';
import { repoRoot } from './helpers/paths.js';
import { hasSlurm, startSlurmCluster, type SlurmCluster } from './helpers/slurm-cluster.js';

describe.skipIf(!hasSlurm)('on a real Slurm cluster: the Prolog of a job without GPUs on a shared GPU node', () => {
  let cluster: SlurmCluster | undefined;
  let drivers: FakeDriverDirs | undefined;
  let work: string | undefined;
  afterAll(async () => {
    await cluster?.stop();
    if (drivers !== undefined) rmSync(drivers.root, { recursive: true, force: true });
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it("another job's process on GPU 1 neither drains the node nor holds the job", async () => {
    drivers = buildFakeDrivers();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-job-scope-slurm-'));
    work = dir;
    const node = {
      LD_LIBRARY_PATH: drivers.both,
      MLCHECK_FAKE_GPUS: 'busy',
      MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 2)),
      MLCHECK_PROCFS_ROOT: fakeProcfs('550.54.15', { processes: { 4242: 'python' } }),
      MLCHECK_KMSG: kernelLogFixture('no-xid.log'),
    };
    const entry = path.join(repoRoot, 'bin', 'mlcheck-slurm-check');
    cluster = await startSlurmCluster({
      nodes: ['node01'],
      extraConfig: (_dir, conf) => {
        const script = path.join(dir, 'prolog.sh');
        const exports = Object.entries({ ...node, SLURM_CONF: conf }).map(([key, value]) => `export ${key}='${value}'`);
        writeFileSync(script, ['#!/bin/sh', ...exports, `exec ${entry} --prolog --json "${dir}/prolog-$SLURM_JOB_ID.json"`, ''].join('\n'));
        chmodSync(script, 0o755);
        return [`Prolog=${script}`];
      },
    });
    const slurm = cluster;
    const jobId = slurm.run('sbatch', ['--parsable', '-w', 'node01', '-o', path.join(dir, 'job-%j.out'), '--wrap', 'echo ran']).trim();
    const jobState = () => /JobState=(\S+)/.exec(slurm.run('scontrol', ['show', 'job', jobId]))?.[1] ?? 'unknown';
    await slurm.waitFor('the job to end, or the node to be drained', () => jobState() === 'COMPLETED' || /^drain/.test(slurm.nodeStates().get('node01')?.state ?? ''), 120_000);
    expect(slurm.nodeStates().get('node01')).toMatchObject({ state: 'idle' });
    expect(jobState()).toBe('COMPLETED');
    expect(readFileSync(path.join(dir, `job-${jobId}.out`), 'utf8')).toContain('ran');
    // What the Prolog saw: slurmd's job id and no SLURM_JOB_GPUS, so the job has no GPU to judge.
    const report = path.join(dir, `prolog-${jobId}.json`);
    expect(existsSync(report)).toBe(true);
    const probe = (JSON.parse(readFileSync(report, 'utf8')) as { probe: ProbeSnapshot }).probe;
    expect(probe.jobScope).toMatchObject({ source: 'SLURM_JOB_ID', value: jobId, count: 0 });
    expect(probe.verdicts.find((v) => v.subject === 'gpu-processes')).toMatchObject({ status: 'skip' });
    expect(probe.health[1]?.processes).toEqual([{ pid: 4242, name: 'python', usedMemoryBytes: 1073741824 }]);
  }, 240_000);
});
