/**
 * JUPYTER_TOKEN reaches no process mlcheck starts: not the case process, not the python engine's
 * interpreter, not the module shell that loads its modules (a modulefile records the shell's
 * environment), not a Slurm command (a stand-in scontrol records its own). mlcheck itself still
 * reads it (test/jupyter-run.test.ts: a case in a kernel gets it over IPC).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, fixtureWorkload, sharedDataDir } from './helpers/paths.js';
import { createModuleTree, debianPython, runCli } from './helpers/python-env.js';

const token = 'mlcheck-test-jupyter-token-5f1c9a7e';

/** Every variable whose value holds the token, in an environment recorded as NAME=VALUE lines or JSON. */
function holdersOf(recorded: Record<string, string>): string[] {
  return Object.entries(recorded)
    .filter(([, value]) => value.includes(token))
    .map(([name]) => name);
}

const readJson = (file: string): Record<string, string> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
const readLines = (file: string): Record<string, string> =>
  Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

describe('JUPYTER_TOKEN is withheld from every child process', () => {
  it('the case process, the module shell and the python interpreter of a local python case do not have it (nor a copy of it)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-secret-env-'));
    const tree = createModuleTree();
    // A modulefile that records the environment of the module shell that loads it.
    mkdirSync(path.join(tree.modulePath, 'recorder'), { recursive: true });
    writeFileSync(
      path.join(tree.modulePath, 'recorder', '1.0'),
      '#%Module1.0\nset fh [open "$::env(MLCHECK_TEST_ENV_DIR)/module-shell.env" w]\nforeach name [lsort [array names ::env]] { puts $fh "$name=$::env($name)" }\nclose $fh\n',
    );
    const result = await runCli(
      cliPath,
      ['run', 'fixture-environment', '--engine', 'python', '--modules', 'recorder pytorch-py311-cpu-gcc', '--module-path', tree.modulePath, '--backend', 'pytorch-cpu', '--no-probe', '--data-dir', sharedDataDir, '--out', path.join(dir, 'run')],
      { ...process.env, MLCHECK_TEST_WORKLOADS: fixtureWorkload('environment-report'), MLCHECK_TEST_ENV_DIR: dir, JUPYTER_TOKEN: token },
    );
    expect(result.status, result.stderr + result.stdout).toBe(0);
    const caseProcess = readJson(path.join(dir, 'case-process.json'));
    const moduleShell = readLines(path.join(dir, 'module-shell.env'));
    const interpreter = readJson(path.join(dir, 'kit.json'));
    // Each recording is real: it holds what the process was given.
    for (const recorded of [caseProcess, moduleShell, interpreter]) expect(recorded.MLCHECK_TEST_ENV_DIR).toBe(dir);
    expect(interpreter.LOADEDMODULES).toContain('recorder');
    expect({ caseProcess: holdersOf(caseProcess), moduleShell: holdersOf(moduleShell), interpreter: holdersOf(interpreter) }).toEqual({ caseProcess: [], moduleShell: [], interpreter: [] });
  }, 300_000);

  it('a Slurm command (scontrol, through SLURM_BINDIR) does not have it', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-secret-slurm-'));
    const scontrol = path.join(bin, 'scontrol');
    writeFileSync(scontrol, `#!/bin/sh\nenv > ${path.join(bin, 'scontrol.env')}\necho "NodeName=$4 Arch=x86_64 CPUTot=2 State=IDLE"\n`);
    chmodSync(scontrol, 0o755);
    const result = await runCli(cliPath, ['slurm', 'check', '--node', 'node001', '--dry-run', '--data-dir', sharedDataDir], { ...process.env, SLURM_BINDIR: bin, JUPYTER_TOKEN: token, MLCHECK_TEST_ENV_DIR: bin });
    expect(result.status, result.stderr).toBe(0);
    const recorded = readLines(path.join(bin, 'scontrol.env'));
    expect(recorded.MLCHECK_TEST_ENV_DIR).toBe(bin);
    expect(holdersOf(recorded)).toEqual([]);
  }, 300_000);

  it('the interpreter the CLI asks for its frameworks does not have it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-secret-frameworks-'));
    const python = path.join(dir, 'python3');
    writeFileSync(python, `#!/bin/sh\nenv > ${path.join(dir, 'python.env')}\nexec ${debianPython} "$@"\n`);
    chmodSync(python, 0o755);
    const result = await runCli(cliPath, ['frameworks', '--python', python], { ...process.env, JUPYTER_TOKEN: token, MLCHECK_TEST_ENV_DIR: dir });
    expect(result.stderr).not.toContain(token);
    const recorded = readLines(path.join(dir, 'python.env'));
    expect(recorded.MLCHECK_TEST_ENV_DIR).toBe(dir);
    expect(holdersOf(recorded)).toEqual([]);
  }, 120_000);
});
