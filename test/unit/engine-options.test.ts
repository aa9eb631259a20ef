/**
 * Engines behind opaque options: the python engine's options go from its flags
 * (cli/engine-options.ts selectEngines) through the plan and the runner to the engine unread;
 * the engine checks them, plans its backends, names a kernel case's secrets and where it ran.
 * In memory, no interpreter started and no server asked (no --python, no --jupyter).
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { selectEngines } from '../../src/cli/engine-options.js';
import { engineOptionsDefinition } from '../../src/engines/option-definitions.js';
import { readPythonOptions, type PythonOptions } from '../../src/engines/python/options.js';
import { UsageError } from '../../src/util/errors.js';
import { loadProfiles } from '../../src/references/profiles.js';
import { caseSecrets } from '../../src/runner/case-secrets.js';
import { caseVia } from '../../src/runner/case-via.js';
import { planCases } from '../../src/runner/plan.js';
import { readRunState } from '../../src/runner/run-dir.js';
import type { CaseSpec } from '../../src/runner/types.js';

const python = engineOptionsDefinition('python')!;

function context(): CliContext & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: () => undefined, err: (text) => void lines.push(text), isTTY: false, setExitCode: () => undefined };
}

const KERNEL: PythonOptions = { modules: [], modulePaths: [], kit: 'mlcheck', examplesDirs: [], jupyter: { url: 'http://127.0.0.1:8888/', kernel: 'python3', startTimeoutSeconds: 120 } };

describe('the python engine options, from the flags', () => {
  it('select python alone when given without --engine, and name the frameworks the modules load', async () => {
    const selection = await selectEngines({ modules: ['shared', 'tensorflow-py36-cuda10.1-gcc'], kit: 'mlcheck' }, [], [], context());
    expect(selection.engines).toEqual(['python']);
    expect(selection.engineOptions).toEqual({ python: { modules: ['shared', 'tensorflow-py36-cuda10.1-gcc'], modulePaths: [], kit: 'mlcheck', examplesDirs: [], frameworks: ['tensorflow'] } });
  });

  it('select python beside the default engines whose backends are named, without frameworks when a python backend is', async () => {
    const selection = await selectEngines({ kit: 'mlcheck' }, [], ['pytorch-cpu', 'wasm'], context());
    expect(selection).toEqual({ engines: ['python', 'tfjs'], engineOptions: { python: { modules: [], modulePaths: [], kit: 'mlcheck', examplesDirs: [] } } });
  });

  it('leave python out, with no options of its own, when neither its flags nor its backends are given', async () => {
    expect(await selectEngines({ kit: 'mlcheck' }, [], ['wasm'], context())).toEqual({ engines: [] });
    expect(await selectEngines({ kit: 'mlcheck' }, ['tfjs'], [], context())).toEqual({ engines: ['tfjs'] });
  });

  it('are bad usage given with another engine', async () => {
    await expect(selectEngines({ modules: ['shared'], kit: 'mlcheck' }, ['tfjs'], [], context())).rejects.toThrow(/--modules, .* are python engine options/);
  });
});

describe('the python engine options, as the engine reads them', () => {
  it('default to python3 on PATH, no modules and mlcheck kits', () => {
    expect(readPythonOptions(undefined)).toEqual({ modules: [], modulePaths: [], kit: 'mlcheck', examplesDirs: [] });
    expect(readPythonOptions(KERNEL)).toEqual(KERNEL);
  });

  it.each([
    ['a list', []],
    ['an unknown kit', { ...KERNEL, kit: 'other' }],
    ['modules that are not names', { ...KERNEL, modules: 'shared' }],
    ['an unknown framework', { ...KERNEL, frameworks: ['jax'] }],
    ['a kernel without its server', { ...KERNEL, jupyter: { kernel: 'python3', startTimeoutSeconds: 1 } }],
  ])('refuse %s, naming the key', (_what, value) => {
    expect(() => readPythonOptions(value)).toThrow(UsageError);
    expect(() => readPythonOptions(value)).toThrow(/the python engine's options: .+ is not valid/);
  });

  it('plan one backend per framework, the CUDA one on a GPU node (default pytorch)', () => {
    expect(python.plannedBackends?.(undefined, false)).toEqual(['pytorch-cpu']);
    expect(python.plannedBackends?.({ ...KERNEL, frameworks: ['pytorch', 'tensorflow'] }, true)).toEqual(['pytorch-cuda', 'tensorflow-cuda']);
  });
});

describe('the runner, passing the python engine options on unread', () => {
  it('gives them to the python cases only', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-engine-options-'));
    const cases = await planCases({ workloads: ['hello'], engines: ['tfjs', 'python'], profile: 'smoke', seed: 1, profiles: loadProfiles(), outDir, engineOptions: { python: { ...KERNEL, frameworks: ['tensorflow'] } } });
    expect(cases.map((c) => [c.id, c.engineOptions])).toEqual([
      ['hello/tfjs', undefined],
      ['hello/python/tensorflow-cpu', { ...KERNEL, frameworks: ['tensorflow'] }],
    ]);
  });

  it("reads a kernel case's token as its secret, and names the kernel on its record before it started", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-engine-options-'));
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'a-token-of-the-server\n');
    chmodSync(tokenFile, 0o600);
    const spec = { id: 'hello/python', engine: 'python', engineOptions: { ...KERNEL, jupyter: { ...KERNEL.jupyter, tokenFile } } } as CaseSpec;
    expect(caseSecrets(spec)).toEqual({ jupyterToken: 'a-token-of-the-server' });
    expect(caseVia(spec, null)).toEqual({ via: 'jupyter', jupyter: { server: 'http://127.0.0.1:8888/', kernel: 'python3', kernelId: null, startSeconds: null, firstExecuteSeconds: null, host: null, slurm: null } });
    expect(caseVia({ ...spec, engineOptions: undefined }, null)).toEqual({});
    expect(caseSecrets({ ...spec, engine: 'tfjs' })).toEqual({});
  });

  it('resumes a run.json that kept the python engine options under `python`', () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-engine-options-'));
    mkdirSync(outDir, { recursive: true });
    const legacy = { id: 'hello/python/pytorch-cpu', engine: 'python', python: { interpreter: '/usr/bin/python3', modules: [], modulePaths: [], kit: 'mlcheck', examplesDirs: [] } };
    writeFileSync(path.join(outDir, 'run.json'), JSON.stringify({ session: { id: 'run', outDir }, plan: [legacy] }));
    expect(readRunState(outDir).plan).toEqual([{ id: 'hello/python/pytorch-cpu', engine: 'python', engineOptions: legacy.python }]);
  });
});
