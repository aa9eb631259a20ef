/**
 * Modulefiles are code (Tcl or Lua) that runs as whoever loads them, and mlcheck's own Python kits
 * run in root's interpreter: root loads them only from folders that nobody but root (or the
 * invoking user) can write, and says why it refuses. The attacker, nobody, writes a modulefile
 * into a world-writable folder.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAvailableModules } from '../src/engines/python/module-avail.js';
import { loadModules } from '../src/engines/python/module-environment.js';
import { PYTHON_KITS_DIR } from '../src/engines/python/kits.js';
import { assertTrustedKits } from '../src/engines/python/trusted-kits.js';
import { RequirementError } from '../src/util/errors.js';
import { cliPath } from './helpers/paths.js';
import { createModuleTree, debianPython } from './helpers/python-env.js';
import { AS_NOBODY, trustedTempDir } from './helpers/trusted-temp.js';

let base: string;
/** A modulefile folder every user can write (mode 0777). */
let open: string;
/** Where the planted modulefile leaves its marker when loaded. */
let marker: string;

beforeAll(() => {
  base = trustedTempDir('mlcheck-modtrust-');
  open = path.join(base, 'modulefiles');
  mkdirSync(open);
  chmodSync(open, 0o777);
  marker = path.join(base, 'loaded-as-root');
  const body = `#%Module1.0\nset fh [open ${marker} w]\nputs $fh loaded\nclose $fh\n`;
  const planted = spawnSync(AS_NOBODY[0], [...AS_NOBODY.slice(1), 'sh', '-c', 'printf "%s" "$2" > "$1/planted"', 'attacker', open, body], { encoding: 'utf8' });
  if (planted.status !== 0) throw new Error(planted.stderr);
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const mlcheck = (args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 300_000 });

describe('--module-path: only folders nobody else can write', () => {
  it.each([
    ['run', 'hello', '--engine', 'python', '--python', debianPython, '--modules', 'planted', '--no-probe'],
    ['frameworks', '--modules', 'planted', '--no-probe'],
    ['jupyter', 'kernels'],
  ])('mlcheck %s ... --module-path <world-writable>: exit 2 naming the folder and its mode, and nothing loaded', (...args) => {
    rmSync(marker, { force: true });
    const result = mlcheck([...args, '--module-path', open]);
    expect(existsSync(marker), 'the planted modulefile ran as root').toBe(false);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain(`refusing ${open}: ${open} is mode 0777 (writable by every user) (modulefiles run as whoever loads them). Fix: keep others from writing ${open}: chmod go-w ${open}`);
  });

  it('the engine refuses the folder too (nothing is sourced or loaded), and the case is skipped rather than failed', async () => {
    const load = await loadModules({ modules: ['planted'], modulePaths: [open], env: process.env });
    expect(load).toMatchObject({ ok: false, module: null, refused: true });
    if (!load.ok) expect(load.reason).toBe(`refusing --module-path ${open}: ${open} is mode 0777 (writable by every user). Fix: keep others from writing ${open}: chmod go-w ${open}`);
    const avail = await listAvailableModules({ env: process.env, modulePaths: [open] });
    expect(avail.error).toContain(`refusing --module-path ${open}: ${open} is mode 0777`);
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a module system whose init script others can write (MODULESHOME)", async () => {
    const home = path.join(base, 'moduleshome');
    mkdirSync(path.join(home, 'init'), { recursive: true });
    chmodSync(path.join(home, 'init'), 0o777);
    spawnSync('cp', ['/usr/share/modules/init/bash', path.join(home, 'init', 'bash')]);
    const load = await loadModules({ modules: ['shared'], modulePaths: [createModuleTree().modulePath], env: { ...process.env, MODULESHOME: home } });
    expect(load).toMatchObject({ ok: false, refused: true });
    if (!load.ok) expect(load.reason).toContain(`refusing the module system ${path.join(home, 'init', 'bash')}: ${path.join(home, 'init')} is mode 0777 (writable by every user)`);
  });

  it('loads from a folder of root\'s, as before', async () => {
    const tree = createModuleTree();
    const load = await loadModules({ modules: ['shared'], modulePaths: [tree.modulePath], env: process.env });
    expect(load).toMatchObject({ ok: true, loaded: ['shared'] });
  });
});

describe("mlcheck's Python kits: run only from where nobody else can write", () => {
  it('accepts the package\'s own kits, and refuses (a skip, naming the file and its mode) a copy with one file others can write', () => {
    expect(() => assertTrustedKits()).not.toThrow();
    const good = path.join(base, 'kits-good');
    cpSync(PYTHON_KITS_DIR, good, { recursive: true });
    expect(() => assertTrustedKits(good)).not.toThrow();
    // A fresh copy: the check is made once per process and folder.
    const copy = path.join(base, 'kits');
    cpSync(PYTHON_KITS_DIR, copy, { recursive: true });
    const kit = path.join(copy, 'mlcheck_kits', 'pytorch', 'hello.py');
    chmodSync(kit, 0o666);
    expect(() => assertTrustedKits(copy)).toThrow(RequirementError);
    expect(() => assertTrustedKits(copy)).toThrow(`refusing to run mlcheck's Python kits from ${copy}: ${kit} is mode 0666 (writable by every user)`);
  });
});
