import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { cliPath, repoRoot } from './helpers/paths.js';
import { createModuleTree, runCli, type ModuleTree } from './helpers/python-env.js';

interface Check {
  check: string;
  status: string;
  reason: string;
}
interface Row {
  module: string | null;
  naming: { framework: string | null; accelerator: string | null } | null;
  environment: { loadedModules: string[]; frameworks: Record<string, { status: string; facts?: { version: string; build: { cuda: string | null } } }> } | null;
  checks: Check[];
}
interface Report {
  node: { gpuPresent: boolean; driverCudaVersion: string | null };
  modules: Row[];
}

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
  return ajv.compile(JSON.parse(readFileSync(path.join(repoRoot, 'schema', 'frameworks.schema.json'), 'utf8')));
}

async function frameworks(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const result = await runCli(cliPath, ['frameworks', '--json', '-', ...args], env, 600_000);
  const report = JSON.parse(result.stdout) as Report;
  const validate = validator();
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  const row = (name: string | null): Row => report.modules.find((m) => m.module === name)!;
  const check = (name: string, id: string): Check | undefined => row(name).checks.find((c) => c.check === id);
  return { ...result, report, row, check };
}

let modules: ModuleTree;
let drivers: FakeDriverDirs;
beforeAll(() => {
  modules = createModuleTree();
  drivers = buildFakeDrivers();
});

describe('mlcheck frameworks', () => {
  it('lists the ML modules, imports each framework in its environment, and checks it against this CPU node', async () => {
    const run = await frameworks(['--modules', 'shared', '--module-path', modules.modulePath]);
    const listed = run.report.modules.map((m) => m.module);
    expect(listed[0]).toBeNull();
    expect(listed).toEqual(expect.arrayContaining(['pytorch-py311-cpu-gcc/1.13.1', 'pytorch-py311-cuda11.8-gcc/1.13.1', 'tensorflow-py311-cuda11.8-gcc/2.15.0', 'tensorflow-py311-mkl-gcc/2.15.0']));
    // `shared` and `broken` are not in the manual's naming; the system's own modulefiles neither.
    expect(listed).not.toContain('shared');
    expect(listed).not.toContain('broken');

    const cpu = run.row('pytorch-py311-cpu-gcc/1.13.1');
    expect(cpu.naming).toMatchObject({ framework: 'pytorch', accelerator: 'cpu' });
    expect(cpu.environment!.loadedModules).toEqual(['shared', 'pytorch-py311-cpu-gcc/1.13.1']);
    expect(cpu.environment!.frameworks.pytorch!.status).toBe('importable');
    expect(run.check('pytorch-py311-cpu-gcc/1.13.1', 'import')!.status).toBe('pass');

    // A -cuda module on a node without a GPU breaks the manual's rules, and its torch is CPU-only.
    expect(run.check('pytorch-py311-cuda11.8-gcc/1.13.1', 'package-rules')!.status).toBe('fail');
    expect(run.check('pytorch-py311-cuda11.8-gcc/1.13.1', 'gpu')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/CPU-only build although module pytorch-py311-cuda11\.8-gcc\/1\.13\.1 is a CUDA 11\.8 build/) });
    expect(run.check('tensorflow-py311-cuda11.8-gcc/2.15.0', 'import')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/tensorflow is not importable/) });
    // An mkl-gcc8 module needs AVX-512 VNNI: whether this machine's CPU has it decides the verdict.
    const probe = JSON.parse(spawnSync(process.execPath, [cliPath, 'probe', '--json'], { encoding: 'utf8' }).stdout) as { cpu: { features: Record<string, boolean> } };
    const vnni = probe.cpu.features.avx512_vnni === true;
    expect(run.check('tensorflow-py311-mkl-gcc8/2.15.0', 'package-rules')).toMatchObject(
      vnni ? { status: 'pass' } : { status: 'fail', reason: expect.stringMatching(/VNNI \(gcc8\) packages on a CPU without AVX-512 VNNI/) },
    );
    expect(run.status).toBe(1);

    const table = (await runCli(cliPath, ['frameworks', '--modules', 'shared', '--module-path', modules.modulePath, '--no-import'], process.env, 600_000)).stdout;
    expect(table).toMatch(/^MODULE +FRAMEWORK +BUILD +IMPORTS +DEVICES +CHECKS$/m);
    expect(table).toMatch(/^pytorch-py311-cuda11\.8-gcc\/1\.13\.1 +pytorch +cuda11\.8 +not imported \(--no-import\) +- +FAIL \(1\)$/m);
    expect(table).toMatch(/^FAIL pytorch-py311-cuda11\.8-gcc\/1\.13\.1 package-rules: cm-pytorch-py311-cuda11\.8-gcc: /m);
  }, 600_000);

  it('on a GPU node, fails a module built for a newer CUDA than the driver supports and a CPU-only torch in a -cuda module; a CPU module may run on the CPU', async () => {
    const run = await frameworks(['--module-path', modules.modulePath], { ...process.env, LD_LIBRARY_PATH: drivers.both, MLCHECK_FAKE_GPUS: 'modern' });
    expect(run.report.node).toMatchObject({ gpuPresent: true, driverCudaVersion: '12.4' });
    expect(run.check('pytorch-py311-cuda12.6-gcc/2.5.0', 'driver-cuda')).toMatchObject({ status: 'fail', reason: 'built for CUDA 12.6, but the driver supports CUDA 12.4 at most (cuDriverGetVersion)' });
    expect(run.check('pytorch-py311-cuda11.8-gcc/1.13.1', 'driver-cuda')!.status).toBe('pass');
    expect(run.check('pytorch-py311-cuda11.8-gcc/1.13.1', 'package-rules')!.status).toBe('pass');
    expect(run.check('pytorch-py311-cuda11.8-gcc/1.13.1', 'gpu')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/is a CPU-only build although module/) });
    expect(run.check('pytorch-py311-cpu-gcc/1.13.1', 'gpu')).toMatchObject({ status: 'skip', reason: 'a cpu build: runs on the CPU by design' });
  }, 600_000);
});
