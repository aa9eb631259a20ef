/**
 * Root starts mlcheck wherever it happens to be: a shared sweep folder, /tmp, a user's project.
 * What an ordinary user put there must not run as root (a json.py the python engine's interpreter
 * would import), and a link planted at ./mlcheck-runs must not receive root's reports
 * (issue 22, finding 3). The attacker's steps run as nobody, mlcheck as root.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRunFolder } from '../src/runner/default-run-folder.js';
import { cliPath, sharedDataDir } from './helpers/paths.js';
import { debianPython } from './helpers/python-env.js';
import { runProcess } from './helpers/run-process.js';
import { AS_NOBODY, trustedTempDir } from './helpers/trusted-temp.js';

let base: string;
/** A folder every user can write (mode 0777), as a shared sweep or project folder is. */
let shared: string;

function asNobody(script: string, ...args: string[]): void {
  const ran = spawnSync(AS_NOBODY[0], [...AS_NOBODY.slice(1), 'sh', '-c', script, 'attacker', ...args], { encoding: 'utf8' });
  if (ran.status !== 0) throw new Error(`as nobody: ${ran.stderr}`);
}

/** A json.py that leaves a marker when any Python imports it instead of the standard library's. */
function plantJson(folder: string): string {
  const marker = path.join(folder, 'json-imported');
  asNobody('printf "%s\\n" "$2" > "$1/json.py"', folder, `open(${JSON.stringify(marker)}, 'w').write('imported')`);
  return marker;
}

const mlcheck = (args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) => runProcess(process.execPath, [cliPath, ...args], { cwd, env, timeoutMs: 600_000 });

beforeAll(() => {
  base = trustedTempDir('mlcheck-cwd-');
  shared = path.join(base, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o777);
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("the python engine never imports from the folder root started in", () => {
  it('`mlcheck run --engine python` started in a folder with a planted json.py runs its case without importing it', async () => {
    const marker = plantJson(shared);
    const out = path.join(base, 'run');
    const result = await mlcheck(['run', 'hello', '--engine', 'python', '--python', debianPython, '--no-probe', '--out', out, '--data-dir', sharedDataDir], shared);
    expect(existsSync(marker), 'the planted json.py was imported as root').toBe(false);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { cases: { id: string; outcome: string; reason: string | null }[] };
    expect(report.cases.map((c) => [c.id, c.outcome, c.reason])).toEqual([['hello/python/pytorch-cpu', 'pass', null]]);
    expect(result.status, result.stderr).toBe(0);
  }, 600_000);

  it('`mlcheck frameworks` does not import it either, even through an empty PYTHONPATH entry (PYTHONPATH=:/opt/x, which means the working folder)', async () => {
    const marker = plantJson(shared);
    const result = await mlcheck(['frameworks', '--python', debianPython, '--no-probe'], shared, { ...process.env, PYTHONPATH: ':/nonexistent/site-packages' });
    expect(existsSync(marker), 'the planted json.py was imported as root').toBe(false);
    expect(result.stdout).toMatch(/\(no framework module\)\s+-\s+-\s+pytorch \S+ \(CPU-only\)/);
    expect(result.status, result.stderr).toBe(0);
  }, 600_000);
});

describe('the default run folder ./mlcheck-runs', () => {
  it('a link planted at ./mlcheck-runs: exit 2 with the fix, and nothing is written through it', async () => {
    const cwd = path.join(base, 'linked');
    mkdirSync(cwd);
    chmodSync(cwd, 0o777);
    const victim = trustedTempDir('mlcheck-victim-');
    asNobody('ln -s "$2" "$1/mlcheck-runs"', cwd, victim);
    const result = await mlcheck(['run', 'hello', '--no-probe', '--data-dir', sharedDataDir], cwd);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain(`refusing the default run folder ${path.join(cwd, 'mlcheck-runs')}: ${path.join(cwd, 'mlcheck-runs')} is a symbolic link (to ${victim})`);
    expect(result.stderr).toMatch(/fix: .*--out/);
    expect(readdirSync(victim)).toEqual([]);
    rmSync(victim, { recursive: true, force: true });
  }, 600_000);

  it.each([
    { name: 'made in a folder of root\'s when missing', setup: (dir: string) => chmodSync(dir, 0o755), refused: null },
    { name: 'refused in a folder every user can write (they could swap it for a link later)', setup: (dir: string) => chmodSync(dir, 0o777), refused: /is mode 0777 \(writable by every user\)/ },
    { name: 'made in a sticky folder such as /tmp, where nobody else can replace it', setup: (dir: string) => chmodSync(dir, 0o1777), refused: null },
    {
      name: "refused when another user made it first (in a sticky folder)",
      setup: (dir: string) => {
        chmodSync(dir, 0o1777);
        asNobody('mkdir "$1/mlcheck-runs"', dir);
      },
      refused: /mlcheck-runs is owned by nobody \(uid 65534\)/,
    },
    {
      name: 'refused when others can write it',
      setup: (dir: string) => {
        mkdirSync(path.join(dir, 'mlcheck-runs'));
        chmodSync(path.join(dir, 'mlcheck-runs'), 0o777);
      },
      refused: /mlcheck-runs is mode 0777/,
    },
  ])('$name', ({ setup, refused }) => {
    const dir = path.join(base, `cwd-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    setup(dir);
    const made = (): string => defaultRunFolder('2026-01-01T00-00-00-000Z', { cwd: dir });
    if (refused === null) {
      expect(made()).toBe(path.join(dir, 'mlcheck-runs', '2026-01-01T00-00-00-000Z'));
      expect(existsSync(path.join(dir, 'mlcheck-runs'))).toBe(true);
    } else expect(made).toThrow(refused);
  });
});
