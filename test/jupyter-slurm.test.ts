/**
 * A Jupyter kernel launched through Slurm: a kernelspec whose argv runs ipykernel through `srun`
 * on the 3-node test cluster (test/helpers/slurm-cluster.ts), so the kernel is a job step on a
 * compute node, and `mlcheck run hello --jupyter ... --kernel` passes through it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../src/report/json-report.js';
import { hasJupyterServer, startJupyterServer, writeKernelspec, type JupyterServer } from './helpers/jupyter-server.js';
import { cliPath, sharedDataDir } from './helpers/paths.js';
import { debianPython, runCli } from './helpers/python-env.js';
import { hasSlurm, startSlurmCluster, type SlurmCluster } from './helpers/slurm-cluster.js';
import { findExecutable } from '../src/kernelspecs/find-executable.js';

describe.skipIf(!hasSlurm || !hasJupyterServer)('a Jupyter kernel that runs as a Slurm job', () => {
  let cluster: SlurmCluster;
  let server: JupyterServer;
  beforeAll(async () => {
    cluster = await startSlurmCluster({ nodes: ['node01', 'node02', 'node03'] });
    server = await startJupyterServer();
    writeKernelspec(server.kernelsDir, 'slurm-python3', {
      argv: [findExecutable('srun', process.env) ?? 'srun', '--quiet', '--job-name=jupyter-kernel', '--nodes=1', '--ntasks=1', '--nodelist=node02', debianPython, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
      display_name: 'Python 3 on Slurm (node02)',
      language: 'python',
      // The cluster's slurm.conf, for srun (the server passes a kernelspec's env to the kernel's command).
      env: { SLURM_CONF: cluster.env.SLURM_CONF! },
    });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await cluster?.stop();
  }, 60_000);

  it('finds the kernelspec sound: srun resolves and argv passes the connection file', async () => {
    const result = await runCli(cliPath, ['jupyter', 'kernels'], { ...process.env, JUPYTER_PATH: path.dirname(server.kernelsDir) });
    expect(result.stdout).toMatch(/^slurm-python3 +ok +- +Python 3 on Slurm \(node02\) /m);
    expect(result.stdout).not.toContain(`${path.join(server.kernelsDir, 'slurm-python3', 'kernel.json')}: `);
  });

  it('runs hello in the kernel on node02 and ends the job with the kernel', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-jupyter-slurm-'));
    const result = await runCli(cliPath, ['run', 'hello', '--jupyter', server.url, '--kernel', 'slurm-python3', '--data-dir', sharedDataDir, '--no-probe', '--out', out, '--json', path.join(out, 'r.json')], { ...process.env, JUPYTER_TOKEN: server.token });
    expect(result.status, result.stderr + result.stdout).toBe(0);
    const hello = (JSON.parse(readFileSync(path.join(out, 'r.json'), 'utf8')) as JsonReport).cases[0]!;
    expect([hello.outcome, hello.via, hello.jupyter?.kernel, hello.jupyter?.slurm?.node]).toEqual(['pass', 'jupyter', 'slurm-python3', 'node02']);
    expect(hello.jupyter!.slurm!.jobId).toMatch(/^\d+$/);
    expect(result.stdout).toMatch(new RegExp(`via jupyter: kernel slurm-python3 on ${server.url.replace(/[.]/g, '\\.')}, started in [\\d.]+ s, first execute [\\d.e-]+ s, Slurm job ${hello.jupyter!.slurm!.jobId} on node02`));
    expect(await server.kernelsAfter()).toEqual([]);
    // The kernel was the job: shut down, the job is gone from the queue.
    await cluster.waitFor('the kernel job to end', () => cluster.run('squeue', ['-h', '-o', '%i %j %T']).trim() === '', 30_000);
  }, 300_000);
});
