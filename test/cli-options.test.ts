/**
 * An option means the same in every command that takes it: one declaration, one help text
 * (src/cli/shared-options.ts). --resume refuses options that would silently be ignored.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_BACKENDS, ENGINE_IDS } from '../src/engines/types.js';
import { cliPath, sharedDataDir } from './helpers/paths.js';

function mlcheck(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, COLUMNS: '200', ...env }, timeout: 180_000 });
}

/** The help line of each option, by its long flag, from `mlcheck <command> --help`. */
function optionHelp(...command: string[]): Map<string, string> {
  const text = mlcheck([...command, '--help']).stdout;
  const options = text.slice(text.indexOf('\nOptions:\n'), text.search(/\n(Commands|Examples):|$(?![\s\S])/));
  const lines = new Map<string, string>();
  let current: string | undefined;
  for (const line of options.split('\n')) {
    const flag = /^ {2}(?:-\w, )?(--[\w-]+)/.exec(line)?.[1];
    if (flag) {
      current = flag;
      lines.set(flag, line.slice(line.indexOf(flag)));
    } else if (current !== undefined && /^ {3,}\S/.test(line)) {
      // Commander wraps a long description onto indented continuation lines.
      lines.set(current, `${lines.get(current)!} ${line.trim()}`);
    }
  }
  return new Map([...lines].map(([flag, text]) => [flag, text.replace(/\s+/g, ' ').trim()]));
}

describe('one declaration per option', () => {
  const commands = [['run'], ['bench'], ['probe'], ['datasets', 'list'], ['datasets', 'fetch'], ['datasets', 'verify'], ['classify'], ['slurm', 'check'], ['slurm', 'sweep']];
  const help = new Map(commands.map((command) => [command.join(' '), optionHelp(...command)]));

  // probe's --json (print JSON instead of a table) and --strict (a warned required verdict fails) are other options of the same name.
  it.each([
    { flag: '--data-dir', commands: ['run', 'bench', 'datasets list', 'datasets fetch', 'datasets verify', 'classify', 'slurm check', 'slurm sweep'] },
    { flag: '--profile', commands: ['run', 'bench', 'slurm check', 'slurm sweep'] },
    { flag: '--expect-gpus', commands: ['run', 'bench', 'probe', 'slurm check'] },
    { flag: '--require-package', commands: ['run', 'bench', 'probe', 'slurm check'] },
    { flag: '--gpu-timeout', commands: ['run', 'bench', 'probe', 'slurm check'] },
    { flag: '--strict', commands: ['run', 'bench', 'slurm sweep'] },
    { flag: '--json', commands: ['run', 'bench', 'slurm check'] },
  ])('$flag has one help text in $commands', ({ flag, commands: users }) => {
    const texts = new Map(users.map((command) => [command, help.get(command)!.get(flag)?.replace(/\(choices: [^)]*\)/, '') ?? 'missing']));
    expect(new Set(texts.values()), [...texts].map(([command, text]) => `${command}: ${text}`).join('\n')).toHaveProperty('size', 1);
  });

  it('gives run and bench the same options for what they share', () => {
    const run = help.get('run')!;
    const bench = help.get('bench')!;
    const shared = [...run.keys()].filter((flag) => bench.has(flag) && flag !== '--out' && flag !== '--help');
    expect(shared).toEqual(expect.arrayContaining(['--engine', '--backend', '--ep', '--profile', '--data-dir', '--json', '--junit', '--prom', '--threads', '--timeout', '--model', '--strict', '--references', '--expect-gpus', '--require-package', '--gpu-timeout']));
    for (const flag of shared) expect(bench.get(flag), flag).toBe(run.get(flag));
  });

  it('offers for --backend exactly the backends the engines have (src/engines/types.ts)', () => {
    for (const command of ['run', 'bench']) {
      for (const engine of ENGINE_IDS) expect(help.get(command)!.get('--backend')).toContain(`${engine} ${ENGINE_BACKENDS[engine].join('|')}`);
    }
  });

  it('rejects a --gpu-timeout that is no positive number in every command, before anything runs', () => {
    for (const command of [['probe'], ['run', '--no-probe'], ['bench']]) expect(mlcheck([...command, '--gpu-timeout', '0']).status, command.join(' ')).toBe(2);
  });
});

describe("--data-dir ''", () => {
  it('means unset in run as in datasets: MLCHECK_DATA_DIR still applies', () => {
    const env = { MLCHECK_DATA_DIR: sharedDataDir };
    const listed = mlcheck(['datasets', 'list', '--data-dir', ''], env);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/^iris .*present: .*\(MLCHECK_DATA_DIR\)$/m);
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-empty-data-dir-'));
    const run = mlcheck(['run', 'iris', '--engine', 'tfjs', '--no-probe', '--data-dir', '', '--out', outDir], env);
    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8')) as { cases: { outcome: string; reason: string | null }[] };
    expect(report.cases.map((c) => [c.outcome, c.reason])).toEqual([['pass', null]]);
    expect(run.status).toBe(0);
  });
});

describe('--resume', () => {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-resume-options-'));
  const first = mlcheck(['run', 'hello', '--no-probe', '--profile', 'smoke', '--engine', 'tfjs', '--backend', 'cpu', '--threads', '1', '--out', outDir]);

  it('refuses plan options that contradict the resumed run with exit 2, naming each', () => {
    expect(first.status).toBe(0);
    const resumed = mlcheck(['run', '--resume', outDir, '--no-probe', '--profile', 'quick', '--engine', 'onnx', '--threads', '2', '--timeout', '5', '--data-dir', sharedDataDir]);
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toContain('these options contradict it: --engine/--ep, --profile, --data-dir, --timeout, --threads');
    expect(resumed.stderr).toMatch(/expected: .*--profile smoke.*--threads 1/);
    expect(resumed.stderr).toMatch(/found: .*--profile quick.*--threads 2/);
  });

  it('accepts the options the run was planned with', () => {
    const resumed = mlcheck(['run', '--resume', outDir, '--no-probe', '--profile', 'smoke', '--engine', 'tfjs', '--backend', 'cpu', '--threads', '1']);
    expect(resumed.stderr).toContain('kept from the interrupted run');
    expect(resumed.status).toBe(0);
  });
});
