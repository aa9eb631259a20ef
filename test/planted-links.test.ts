/**
 * Issue 22, finding 2 and "Files it writes": root never writes through a link it did not make
 * and never changes the mode of an existing file. The attacker's steps run as `nobody`
 * (setpriv), mlcheck as root, as CI runs; each test checks a victim file's content and mode and
 * mlcheck's exit code.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { ensureDirectory } from '../src/util/ensure-directory.js';
import { startDataMirror, type DataMirror } from './helpers/data-mirror.js';
import { cliPath, sharedDataDir } from './helpers/paths.js';

const asRoot = process.getuid?.() === 0;
const tempDir = (label: string, mode = 0o700): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mlcheck-planted-${label}-`));
  chmodSync(dir, mode);
  return dir;
};

/** The attacker: a shell command run as nobody, with no groups. */
function asNobody(script: string): void {
  execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'sh', '-ec', script], { stdio: 'pipe' });
}

/** A root-only file (mode 600) in a folder only root can enter. */
function victim(): { file: string; content: string } {
  const file = path.join(tempDir('victim'), 'shadow');
  const content = 'root:$6$secret:19000:0:99999:7:::\n';
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { file, content };
}

const modeOf = (file: string): number => statSync(file).mode & 0o7777;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: tempDir('xdg'), ...env };
  delete childEnv.MLCHECK_DATA_DIR;
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: childEnv }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let mirror: DataMirror;
beforeAll(async () => {
  mirror = await startDataMirror();
});
afterAll(() => mirror.close());

describe.skipIf(!asRoot)('mlcheck datasets fetch into a folder others can write (finding 2)', () => {
  it('removes links planted at .part and .part.json instead of writing through them', async () => {
    const data = tempDir('data', 0o777);
    const part = victim();
    const meta = victim();
    asNobody(`mkdir ${data}/iris; ln -s ${part.file} ${data}/iris/iris_training.csv.part; ln -s ${meta.file} ${data}/iris/iris_test.csv.part.json`);
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', data], { MLCHECK_DATASET_MIRROR: mirror.url, MLCHECK_PACKAGE_DATA_DIR: '' });
    expect(result.code, result.stderr).toBe(0);
    for (const target of [part, meta]) {
      expect(readFileSync(target.file, 'utf8')).toBe(target.content);
      expect(modeOf(target.file)).toBe(0o600);
    }
    expect(readdirSync(path.join(data, 'iris')).sort()).toEqual(['iris_test.csv', 'iris_training.csv']);
    for (const name of ['iris_training.csv', 'iris_test.csv']) {
      const placed = lstatSync(path.join(data, 'iris', name));
      expect(placed.isFile()).toBe(true);
      expect(placed.uid).toBe(0);
      expect(readFileSync(path.join(data, 'iris', name)).equals(readFileSync(path.join(sharedDataDir, 'iris', name)))).toBe(true);
    }
  });

  it('does not resume into a planted .part link even when a .part.json names the right URL', async () => {
    const data = tempDir('data', 0o777);
    const part = victim();
    const url = `${mirror.url}/mnist/t10k-labels-idx1-ubyte.gz`;
    // The old code believed this .part.json, appended to (here: overwrote) the link's target and renamed the link into place.
    asNobody(`mkdir ${data}/mnist; ln -s ${part.file} ${data}/mnist/t10k-labels-idx1-ubyte.part; printf '{"url":"${url}"}' > ${data}/mnist/t10k-labels-idx1-ubyte.part.json`);
    const result = await cli(['datasets', 'fetch', 'mnist', '--data-dir', data], { MLCHECK_DATASET_MIRROR: mirror.url, MLCHECK_PACKAGE_DATA_DIR: '' });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(part.file, 'utf8')).toBe(part.content);
    expect(modeOf(part.file)).toBe(0o600);
    const labels = path.join(data, 'mnist', 't10k-labels-idx1-ubyte.gz');
    expect(lstatSync(labels).isFile()).toBe(true);
    expect(readFileSync(labels).equals(readFileSync(path.join(sharedDataDir, 'mnist', 't10k-labels-idx1-ubyte.gz')))).toBe(true);
    expect(readdirSync(path.join(data, 'mnist')).filter((name) => name.includes('.part'))).toEqual([]);
  });

  it('refuses to stage through a folder link that nobody planted, and says why (exit 2)', async () => {
    const data = tempDir('data', 0o777);
    const elsewhere = tempDir('elsewhere', 0o755);
    asNobody(`ln -s ${elsewhere} ${data}/iris`);
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', data], { MLCHECK_DATASET_MIRROR: mirror.url, MLCHECK_PACKAGE_DATA_DIR: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`refusing to go through ${data}/iris: it is a symbolic link that another user could have planted (${data}/iris is a symbolic link owned by nobody (uid 65534)`);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe.skipIf(!asRoot)('writeFileAtomic and ensureDirectory', () => {
  it('keeps the mode of a file it replaces, whatever the umask', () => {
    const dir = tempDir('mode');
    const file = path.join(dir, 'report.json');
    writeFileSync(file, 'old\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    writeFileAtomic(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(modeOf(file)).toBe(0o600);
    chmodSync(file, 0o664);
    writeFileAtomic(file, 'newer\n', { mode: 0o600 });
    expect(modeOf(file)).toBe(0o664);
    writeFileAtomic(path.join(dir, 'script.sh'), '#!/bin/sh\n', { mode: 0o755 });
    expect(modeOf(path.join(dir, 'script.sh'))).toBe(0o755 & ~process.umask());
    expect(readdirSync(dir).sort()).toEqual(['report.json', 'script.sh']);
  });

  it("refuses to replace another user's file, naming its owner and mode", () => {
    const dir = tempDir('foreign', 0o1777);
    asNobody(`printf 'theirs' > ${dir}/mlcheck.prom; chmod 666 ${dir}/mlcheck.prom`);
    expect(() => writeFileAtomic(path.join(dir, 'mlcheck.prom'), 'mlcheck_up 1\n')).toThrow(`refusing to replace ${dir}/mlcheck.prom: it belongs to uid 65534 (mode 666), not to this user (uid 0)`);
    expect(readFileSync(path.join(dir, 'mlcheck.prom'), 'utf8')).toBe('theirs');
    expect(readdirSync(dir)).toEqual(['mlcheck.prom']);
  });

  it('replaces a link at the target, even one nobody made, without touching where it points', () => {
    const dir = tempDir('link', 0o1777);
    const target = victim();
    asNobody(`ln -s ${target.file} ${dir}/report.json`);
    writeFileAtomic(path.join(dir, 'report.json'), '{}\n');
    expect(lstatSync(path.join(dir, 'report.json')).isFile()).toBe(true);
    expect(readFileSync(target.file, 'utf8')).toBe(target.content);
    expect(modeOf(target.file)).toBe(0o600);
  });

  it('refuses a folder link planted by another user or in a folder others can write, and follows links root made in folders only root can change', () => {
    const shared = tempDir('shared', 0o777);
    const elsewhere = tempDir('elsewhere', 0o755);
    asNobody(`ln -s ${elsewhere} ${shared}/theirs`);
    expect(() => writeFileAtomic(path.join(shared, 'theirs', 'new', 'report.json'), 'x')).toThrow(/refusing to go through .*\/theirs: it is a symbolic link that another user could have planted \(.*\/theirs is a symbolic link owned by nobody \(uid 65534\)/);
    symlinkSync(elsewhere, path.join(shared, 'roots'));
    expect(() => ensureDirectory(path.join(shared, 'roots', 'new'))).toThrow(/\/roots: it is a symbolic link that another user could have planted \(it is in a folder others can change: .* is mode 0777 \(writable by every user\)\)/);
    expect(readdirSync(elsewhere)).toEqual([]);
    const own = tempDir('own', 0o755);
    symlinkSync(elsewhere, path.join(own, 'link'));
    expect(ensureDirectory(path.join(own, 'link', 'made'))).toBe(path.join(elsewhere, 'made'));
    writeFileAtomic(path.join(own, 'link', 'made', 'file.txt'), 'x');
    expect(readFileSync(path.join(elsewhere, 'made', 'file.txt'), 'utf8')).toBe('x');
    const sticky = tempDir('sticky', 0o1777);
    symlinkSync(elsewhere, path.join(sticky, 'roots'));
    expect(ensureDirectory(path.join(sticky, 'roots'))).toBe(elsewhere);
  });
});

describe.skipIf(!asRoot)('the run directory', () => {
  it('refuses a --out that is a link, or that others can write, before any case runs (exit 2)', async () => {
    const cwd = tempDir('cwd', 0o1777);
    const elsewhere = tempDir('elsewhere', 0o755);
    // finding 3's second half: the default ./mlcheck-runs followed a link nobody planted.
    asNobody(`ln -s ${elsewhere} ${cwd}/mlcheck-runs`);
    const linked = await new Promise<CliResult>((resolve) => {
      execFile(process.execPath, [cliPath, 'run', 'hello', '-e', 'tfjs', '--profile', 'smoke'], { cwd, env: { ...process.env, XDG_CACHE_HOME: tempDir('xdg') } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain(`refusing the default run folder ${cwd}/mlcheck-runs: ${cwd}/mlcheck-runs is a symbolic link`);
    expect(readdirSync(elsewhere)).toEqual([]);

    const open = path.join(tempDir('open', 0o755), 'run');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const writable = await cli(['run', 'hello', '-e', 'tfjs', '--profile', 'smoke', '--out', open], {});
    expect(writable.code).toBe(2);
    expect(writable.stderr).toContain(`refusing the run directory ${open}: ${open} is mode 0777 (writable by every user)`);
    expect(readdirSync(open)).toEqual([]);

    const rootsLink = path.join(tempDir('link', 0o755), 'run');
    symlinkSync(elsewhere, rootsLink);
    const link = await cli(['run', 'hello', '-e', 'tfjs', '--profile', 'smoke', '--out', rootsLink], {});
    expect(link.code).toBe(2);
    expect(link.stderr).toContain(`refusing the run directory ${rootsLink}: ${rootsLink} is a symbolic link`);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});
