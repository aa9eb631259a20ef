import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { cliPath, sharedDataDir } from './helpers/paths.js';
import { createModuleTree, runCli, type ModuleTree } from './helpers/python-env.js';

interface ReportCase {
  id: string;
  outcome: string;
  failPhase: string | null;
  reason: string | null;
  backend: string;
  device: string;
  versions: Record<string, string>;
  metrics: Record<string, { value: number; verdict: string }>;
  artifacts: string[];
}

async function mlcheck(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const outDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-python-cli-')), 'run');
  const result = await runCli(cliPath, ['run', ...args, '--out', outDir], env);
  const reportFile = path.join(outDir, 'report.json');
  const cases = existsSync(reportFile) ? ((JSON.parse(readFileSync(reportFile, 'utf8')) as { cases: ReportCase[] }).cases) : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, outDir, cases, byId: Object.fromEntries(cases.map((c) => [c.id, c])) };
}

let modules: ModuleTree;
let drivers: FakeDriverDirs;
beforeAll(() => {
  modules = createModuleTree();
  drivers = buildFakeDrivers();
});

describe('mlcheck run --modules: the node\'s PyTorch under its environment modules', () => {
  it('runs hello, iris, lenet and vae on the quick profile and agrees with the tfjs engine', async () => {
    const run = await mlcheck(['hello', 'iris', 'lenet', 'vae', '--modules', 'shared pytorch-py311-cpu-gcc', '--module-path', modules.modulePath, '--data-dir', sharedDataDir, '--no-probe']);
    expect(run.cases.map((c) => c.id)).toEqual(['hello/python/pytorch-cpu', 'iris/python/pytorch-cpu', 'lenet/python/pytorch-cpu', 'vae/python/pytorch-cpu']);
    for (const c of run.cases) expect(c.outcome, `${c.id}: ${c.reason}`).toBe('pass');
    expect(run.status).toBe(0);

    const hello = run.byId['hello/python/pytorch-cpu']!;
    expect(hello.versions.modules).toBe('shared pytorch-py311-cpu-gcc/1.13.1');
    expect(hello.versions.interpreter).toBe(path.join(modules.binDir, 'python3'));
    expect(hello.versions.torch).toMatch(/^\d+\.\d+/);
    expect(hello.versions['framework CUDA build']).toMatch(/CPU-only/);
    expect(hello.device).toMatch(/^CPU: /);
    // The same MatMul check as every engine: float32 rounding only (a healthy CPU gives ~1e-7).
    expect(hello.metrics.matmul_max_rel_error!.value).toBeLessThan(1e-5);

    // The tfjs engine's calibrated healthy spread on this profile (references/profiles.yaml,
    // docs/calibration.md, seeds 1-10), widened by what one more seed may add: PyTorch's random
    // streams differ from tfjs's, so its run is one more healthy seed, not the same numbers.
    const iris = run.byId['iris/python/pytorch-cpu']!.metrics;
    expect(iris.test_accuracy!.value).toBeGreaterThanOrEqual(0.9);
    expect(iris.test_loss!.value).toBeGreaterThan(0.04); // tfjs 0.054-0.064
    expect(iris.test_loss!.value).toBeLessThan(0.08);
    const lenet = run.byId['lenet/python/pytorch-cpu']!.metrics;
    expect(lenet.test_error_pct!.value).toBeGreaterThan(4.0); // tfjs 4.90-6.65 %
    expect(lenet.test_error_pct!.value).toBeLessThan(7.5);
    expect(lenet.least_variable_change!.value).toBeGreaterThan(0.01); // tfjs 0.0146-0.0182
    expect(lenet.least_variable_change!.value).toBeLessThan(0.025);
    const vae = run.byId['vae/python/pytorch-cpu']!;
    expect(vae.metrics.test_loss!.value).toBeGreaterThan(145); // tfjs 148.8-151.3
    expect(vae.metrics.test_loss!.value).toBeLessThan(156);
    expect(vae.metrics.least_variable_change!.value).toBeGreaterThan(0.15); // tfjs 0.165-0.177
    expect(vae.artifacts.map((f) => path.basename(f)).sort()).toEqual(['reconstruction_1.png', 'sample_1.png']);
  }, 1_200_000);

  it('gives hello and iris the same answers as the tfjs engine in one run', async () => {
    const run = await mlcheck(['hello', 'iris', '-e', 'tfjs', '-e', 'python', '-b', 'cpu', '-b', 'pytorch-cpu', '--modules', 'pytorch-py311-cpu-gcc', '--module-path', modules.modulePath, '--data-dir', sharedDataDir, '--no-probe']);
    expect(run.status).toBe(0);
    const tfjs = run.byId['hello/tfjs/cpu']!.metrics;
    const python = run.byId['hello/python/pytorch-cpu']!.metrics;
    for (const name of ['sum', 'greeting_matches', 'ran_on_requested_device']) expect(python[name]!.value, name).toBe(tfjs[name]!.value);
    const irisTfjs = run.byId['iris/tfjs/cpu']!.metrics;
    const irisPython = run.byId['iris/python/pytorch-cpu']!.metrics;
    expect(irisPython.predictions_correct!.value).toBe(irisTfjs.predictions_correct!.value);
    expect(Math.abs(irisPython.test_accuracy!.value - irisTfjs.test_accuracy!.value)).toBeLessThanOrEqual(1 / 30 + 1e-9);
  }, 600_000);

  it.each([['shared;rm -rf /tmp'], ['$(reboot)'], ['-f'], ['../../etc/passwd'], ['a`id`']])('refuses the module name %s before anything runs (exit 2)', async (name) => {
    const run = await mlcheck(['hello', '--modules', `shared ${name}`, '--no-probe']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/is not a module name/);
    expect(existsSync(run.outDir)).toBe(false);
  });

  it('fails on a GPU node when the module\'s PyTorch is a CPU-only build, never passing on the CPU', async () => {
    const run = await mlcheck(['hello', '--modules', 'shared pytorch-py311-cuda11.8-gcc', '--module-path', modules.modulePath], { ...process.env, LD_LIBRARY_PATH: drivers.both, MLCHECK_FAKE_GPUS: 'modern' });
    expect(run.cases.map((c) => c.id)).toEqual(['hello/python/pytorch-cuda']);
    const [hello] = run.cases;
    expect(hello!.outcome).toBe('fail');
    expect(hello!.failPhase).toBe('setup');
    expect(hello!.reason).toMatch(/torch\.cuda\.is_available\(\) is False: PyTorch .* is a CPU-only build although module pytorch-py311-cuda11\.8-gcc is a CUDA 11\.8 build/);
    expect(run.status).toBe(1);
  }, 300_000);
});
