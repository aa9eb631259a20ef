import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { cliPath, sharedDataDir } from './helpers/paths.js';
import { createModuleTree, debianPython, runCli, type ModuleTree } from './helpers/python-env.js';
import { AS_NOBODY, trustedTempDir } from './helpers/trusted-temp.js';

interface ReportCase {
  id: string;
  outcome: string;
  reason: string | null;
  metrics: Record<string, { value: number; threshold: unknown }>;
  hyperparameters: Record<string, unknown>;
  details: { unmeasured?: Record<string, string>; script?: string; cwd?: string };
  lines: string[];
  artifacts: string[];
}

/** The shared data, plus the archive classify_image.py extracts (a stand-in: the fixture script only looks for it). */
function dataDirWithInceptionArchive(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-installed-data-'));
  for (const name of ['mnist', 'iris', 'images']) symlinkSync(path.join(sharedDataDir, name), path.join(dir, name));
  mkdirSync(path.join(dir, 'imagenet'));
  for (const name of readdirSync(path.join(sharedDataDir, 'imagenet'))) symlinkSync(path.join(sharedDataDir, 'imagenet', name), path.join(dir, 'imagenet', name));
  writeFileSync(path.join(dir, 'imagenet', 'inception-2015-12-05.tgz'), 'stand-in for the model archive\n');
  return dir;
}

async function run(args: string[]) {
  const outDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-installed-')), 'run');
  const result = await runCli(cliPath, ['run', ...args, '--kit', 'installed', '--no-probe', '--out', outDir]);
  const report = existsSync(path.join(outDir, 'report.json')) ? (JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8')) as { cases: ReportCase[] }) : { cases: [] };
  return { ...result, byId: Object.fromEntries(report.cases.map((c) => [c.id, c])), cases: report.cases };
}

let modules: ModuleTree;
let dataDir: string;
beforeAll(() => {
  modules = createModuleTree();
  dataDir = dataDirWithInceptionArchive();
});

describe('--kit installed: the manual\'s example scripts as a framework module installs them', () => {
  it('finds convolutional.py, classify_image.py and premade_estimator.py under the TensorFlow module, stages the data where each looks, and judges what they print', async () => {
    const result = await run(['lenet', 'iris', 'inception', '--modules', 'shared tensorflow-py311-mkl-gcc', '--module-path', modules.modulePath, '--data-dir', dataDir]);
    expect(result.cases.map((c) => [c.id, c.outcome, c.reason])).toEqual([
      ['lenet/python/tensorflow-cpu', 'pass', null],
      ['iris/python/tensorflow-cpu', 'pass', null],
      ['inception/python/tensorflow-cpu', 'pass', null],
    ]);
    expect(result.status).toBe(0);
    const prefix = path.join(modules.examplesPrefix, 'tensorflow-py311-mkl-gcc', 'examples', 'models');

    const lenet = result.byId['lenet/python/tensorflow-cpu']!;
    expect(lenet.hyperparameters.script).toBe(path.join(prefix, 'tutorials', 'image', 'mnist', 'convolutional.py'));
    expect(lenet.metrics.test_error_pct).toMatchObject({ value: 0.8, threshold: { max: 8 } });
    expect(lenet.metrics.validation_error_pct!.value).toBe(3.1);
    expect(lenet.metrics.ms_per_step_reported!.value).toBe(152.9);
    expect(lenet.details.unmeasured).toEqual({ least_variable_change: 'convolutional.py does not print its variables' });
    expect(lenet.lines).toContain('Test error: 0.8%');

    const iris = result.byId['iris/python/tensorflow-cpu']!;
    expect(iris.metrics.test_accuracy!.value).toBe(0.967);
    expect(iris.metrics.predictions_correct!.value).toBe(3);
    expect(Object.keys(iris.details.unmeasured ?? {}).sort()).toEqual(['least_variable_change', 'test_loss']);

    const inception = result.byId['inception/python/tensorflow-cpu']!;
    expect(inception.metrics.top1_score!.value).toBe(0.89107);
    expect(inception.metrics.expected_labels_missed!.value).toBe(0);
    expect(inception.lines).toContain('giant panda, panda, panda bear, coon bear, Ailuropoda melanoleuca (score = 0.89107)');
    // The staging folder is private and goes with the case.
    expect(existsSync(inception.details.cwd!)).toBe(false);
  }, 600_000);

  it('runs vae/main.py under the PyTorch module with MNIST where torchvision looks, and keeps its images', async () => {
    const result = await run(['vae', '--modules', 'pytorch-py311-cpu-gcc', '--module-path', modules.modulePath, '--data-dir', sharedDataDir]);
    const vae = result.byId['vae/python/pytorch-cpu']!;
    expect(vae.outcome, vae.reason ?? '').toBe('pass');
    expect(vae.metrics.test_loss!.value).toBe(127.8102);
    expect(vae.hyperparameters.arguments).toEqual(['--epochs 1 --seed 1']);
    expect(vae.artifacts.map((f) => path.basename(f))).toEqual(['reconstruction_1.png']);
  }, 600_000);

  it('skips a script that is not installed, listing where it looked, and a script of the other framework', async () => {
    const result = await run(['vae', 'lenet', '--modules', 'pytorch-py311-cuda11.8-gcc', '--module-path', modules.modulePath, '--data-dir', sharedDataDir, '--backend', 'pytorch-cpu']);
    const vae = result.byId['vae/python/pytorch-cpu']!;
    expect(vae.outcome).toBe('skip');
    expect(vae.reason).toMatch(/the manual's example main\.py is not installed here/);
    expect(vae.reason).toMatch(/found: searched .*debian-python/);
    expect(vae.reason).toMatch(/--examples-dir/);
    const lenet = result.byId['lenet/python/pytorch-cpu']!;
    expect(lenet.outcome).toBe('skip');
    expect(lenet.reason).toMatch(/convolutional\.py\) is a tensorflow script; this case runs pytorch/);
  }, 600_000);
});

/** What an ordinary user plants: a vae/main.py that leaves a marker and prints a perfect result. */
function plantAsNobody(folder: string, marker: string): void {
  const script = ['import os', `open(${JSON.stringify(marker)}, 'w').write('ran as uid %d\\n' % os.getuid())`, "print('====> Epoch: 1 Average loss: 0.0001')", "print('====> Test set loss: 0.0001')", ''].join('\n');
  const planted = spawnSync(AS_NOBODY[0], [...AS_NOBODY.slice(1), 'sh', '-c', 'mkdir -p "$1/vae" && cat > "$1/vae/main.py"', 'plant', folder], { input: script, encoding: 'utf8' });
  if (planted.status !== 0) throw new Error(`planting as nobody failed: ${planted.stderr}`);
}

function addModule(name: string, body: string): void {
  const file = path.join(modules.modulePath, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#%Module1.0\n${body}\n`);
}

describe('--kit installed never runs, as root, a script another user could write (issue 22, finding 1)', () => {
  it('does not search a folder a module only names in a variable (SCRATCH_TMP=/var/tmp/...), and refuses it as --examples-dir, naming the planted folder and its owner', async () => {
    const scratch = mkdtempSync(path.join('/var/tmp', 'mlcheck-scratch-'));
    chmodSync(scratch, 0o1777);
    try {
      const marker = path.join(scratch, 'vae', 'ran');
      plantAsNobody(scratch, marker);
      addModule('scratchtmp', `setenv SCRATCH_TMP ${scratch}`);
      const args = ['vae', '--modules', 'pytorch-py311-cuda11.8-gcc scratchtmp', '--module-path', modules.modulePath, '--data-dir', sharedDataDir, '--backend', 'pytorch-cpu'];

      const viaVariable = await run(args);
      expect(existsSync(marker), 'the planted script ran').toBe(false);
      const vae = viaVariable.byId['vae/python/pytorch-cpu']!;
      expect(vae.outcome, vae.reason ?? '').toBe('skip');
      expect(vae.reason).toMatch(/the manual's example main\.py is not installed here/);
      expect(vae.reason).not.toContain(scratch);
      expect(viaVariable.status).toBe(3);

      const viaOption = await run([...args, '--examples-dir', scratch]);
      expect(existsSync(marker), 'the planted script ran').toBe(false);
      const refused = viaOption.byId['vae/python/pytorch-cpu']!;
      expect(refused.outcome).toBe('skip');
      expect(refused.reason).toContain(`refusing to run ${path.join(scratch, 'vae', 'main.py')}: ${path.join(scratch, 'vae')} is owned by nobody (uid 65534), not by root or the invoking user`);
      expect(viaOption.status).toBe(3);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 600_000);

  it("refuses a script below the module's own prefix when another user made a folder on its path (in a world-writable one), naming that folder and its owner", async () => {
    const prefix = trustedTempDir('mlcheck-prefix-');
    onTestFinished(() => rmSync(prefix, { recursive: true, force: true }));
    mkdirSync(path.join(prefix, 'bin'));
    symlinkSync(debianPython, path.join(prefix, 'bin', 'python3'));
    mkdirSync(path.join(prefix, 'examples'));
    chmodSync(path.join(prefix, 'examples'), 0o1777);
    const marker = path.join(prefix, 'examples', 'vae', 'ran');
    plantAsNobody(path.join(prefix, 'examples'), marker);
    addModule('openprefix', `prepend-path PATH ${path.join(prefix, 'bin')}`);

    const result = await run(['vae', '--modules', 'openprefix', '--module-path', modules.modulePath, '--data-dir', sharedDataDir, '--backend', 'pytorch-cpu']);
    expect(existsSync(marker), 'the planted script ran').toBe(false);
    const vae = result.byId['vae/python/pytorch-cpu']!;
    expect(vae.outcome, vae.reason ?? '').toBe('skip');
    expect(vae.reason).toContain(`refusing to run ${path.join(prefix, 'examples', 'vae', 'main.py')}: ${path.join(prefix, 'examples', 'vae')} is owned by nobody (uid 65534), not by root or the invoking user`);
    expect(vae.reason).toContain(`fix: let root own ${path.join(prefix, 'examples', 'vae')} (chown root) if you trust its owner`);
    expect(result.status).toBe(3);
  }, 600_000);
});
