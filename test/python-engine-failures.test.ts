import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PythonEnvironmentSpec } from '../src/engines/python/backends.js';
import { loadProfiles } from '../src/references/profiles.js';
import { runPlan } from '../src/runner/run.js';
import { fixtureWorkload, repoRoot } from './helpers/paths.js';
import { createModuleTree, createPythonWithoutTorch, debianPython, processesWith, type ModuleTree } from './helpers/python-env.js';

const kitFile = (name: string): string => path.join(repoRoot, 'test', 'fixtures', 'python-kits', `${name}.py`);

function python(overrides: Partial<PythonEnvironmentSpec> = {}): PythonEnvironmentSpec {
  return { interpreter: debianPython, modules: [], modulePaths: [], kit: 'mlcheck', examplesDirs: [], ...overrides };
}

/** Runs workloads on the python engine through the real runner (a child process per case). */
function runPython(workloads: string[], spec: PythonEnvironmentSpec, options: { backend?: string; timeoutSeconds?: number; env?: NodeJS.ProcessEnv; extra?: string[]; progress?: string[] } = {}) {
  const profiles = loadProfiles();
  profiles.profiles.quick.workloads['fixture-python-kit'] = { params: {}, thresholds: {}, timeoutSeconds: options.timeoutSeconds ?? 120 };
  return runPlan({
    workloads,
    extraWorkloadModules: options.extra ?? [],
    engines: ['python'],
    backends: [options.backend ?? 'pytorch-cpu'],
    profile: 'quick',
    profiles,
    seed: 1,
    outDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-python-')),
    probe: null,
    commandLine: ['test'],
    engineOptions: { python: spec },
    ...(options.timeoutSeconds !== undefined && { timeoutSeconds: options.timeoutSeconds }),
    ...(options.env && { env: options.env }),
    onEvent: (event) => {
      if (event.type === 'case-progress') options.progress?.push(event.event.message);
    },
  });
}

let modules: ModuleTree;
beforeAll(() => {
  modules = createModuleTree();
});

describe('python engine: what a broken or incomplete node gives', () => {
  it('skips a case whose Python has no torch, naming the interpreter and the missing import', async () => {
    const record = await runPython(['hello'], python({ interpreter: createPythonWithoutTorch() }));
    const [hello] = record.cases;
    expect(hello!.outcome).toBe('skip');
    expect(hello!.reason).toMatch(/PyTorch is not installed for this Python .*mlcheck-no-torch-.*No module named 'torch'/);
    expect(hello!.reason).toMatch(/fix: load the module that provides torch/);
  });

  it('fails a case whose module does not exist, naming it with what `module` said', async () => {
    const record = await runPython(['hello'], python({ interpreter: undefined, modules: ['shared', 'pytorch-py99-cuda10.2-gcc'], modulePaths: [modules.modulePath] }));
    const [hello] = record.cases;
    expect(hello!.outcome).toBe('fail');
    expect(hello!.failPhase).toBe('setup');
    expect(hello!.reason).toMatch(/module load pytorch-py99-cuda10\.2-gcc failed/);
    expect(hello!.reason).toMatch(/Unable to locate a modulefile for 'pytorch-py99-cuda10\.2-gcc'/);
  });

  it("fails a case whose module refuses to load, with the module's own message", async () => {
    const record = await runPython(['hello'], python({ interpreter: undefined, modules: ['shared', 'broken'], modulePaths: [modules.modulePath] }));
    expect(record.cases[0]!.outcome).toBe('fail');
    expect(record.cases[0]!.reason).toMatch(/module load broken failed[\s\S]*the module refuses to load/);
  });

  it('skips TensorFlow cleanly where it is not installed, naming the missing import', async () => {
    const record = await runPython(['hello'], python(), { backend: 'tensorflow-cpu' });
    const [hello] = record.cases;
    expect(hello!.outcome).toBe('skip');
    expect(hello!.reason).toMatch(/TensorFlow is not installed for this Python \(\/usr\/bin\/python3 .*\): No module named 'tensorflow'/);
  });

  it('fails a kit that crashes the interpreter (SIGSEGV through ctypes) as a crash, with its stderr', async () => {
    const record = await runPython(['fixture-python-kit'], python(), { extra: [fixtureWorkload('python-kit-file')], env: { ...process.env, MLCHECK_TEST_KIT: kitFile('segfault') } });
    const [crash] = record.cases;
    expect(crash!.outcome).toBe('fail');
    expect(crash!.failPhase).toBe('crash');
    expect(crash!.reason).toMatch(/\/usr\/bin\/python3 \(pid \d+\) was killed by SIGSEGV \(a native crash/);
    expect(crash!.reason).toContain('fixture kit: about to segfault');
  });

  it('kills a hung kit with the helper process it started: nothing of the case is left behind', async () => {
    const marker = `mlcheck-hang-${randomUUID()}`;
    const progress: string[] = [];
    const record = await runPython(['fixture-python-kit'], python(), {
      extra: [fixtureWorkload('python-kit-file')],
      timeoutSeconds: 45,
      progress,
      env: { ...process.env, MLCHECK_TEST_KIT: kitFile('hang'), MLCHECK_TEST_MARKER: marker },
    });
    const [hang] = record.cases;
    // On the CPU a case past its watchdog is undecided (a loaded node proves no fault).
    expect(hang!.outcome).toBe('error');
    expect(hang!.failPhase).toBe('timeout');
    expect(hang!.reason).toMatch(/in phase run/);
    expect(progress).toContain('hanging with a helper process');
    const deadline = Date.now() + 5000;
    while (processesWith(marker).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(processesWith(marker)).toEqual([]);
  }, 180_000);
});
