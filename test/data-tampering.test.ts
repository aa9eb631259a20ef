/**
 * Issue 22, finding 4, through the CLI: tampered data is a data error (undecided, exit 3) naming
 * the file and the checksum, never a failure that drains the node. The cache used to key on
 * (size, mtime, inode) and believe any cache file, so the tampered iris labels below gave
 * `FAIL iris test accuracy 0.0333` (exit 1).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../src/datasets/index.js';
import { cliPath } from './helpers/paths.js';

const asRoot = process.getuid?.() === 0;
const tempDir = (label: string, mode = 0o755): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mlcheck-tamper-${label}-`));
  chmodSync(dir, mode);
  return dir;
};

interface CliResult {
  code: number;
  output: string;
}

function cli(args: string[], xdgCacheHome: string): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: xdgCacheHome };
  delete env.MLCHECK_DATA_DIR;
  delete env.MLCHECK_DATASET_MIRROR;
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Staged iris in a data dir root owns, verified once so that the cache holds both files. */
async function stagedIris(): Promise<{ data: string; testFile: string }> {
  const data = tempDir('data');
  const xdg = tempDir('xdg');
  expect((await cli(['datasets', 'fetch', 'iris', '--data-dir', data], xdg)).code).toBe(0);
  expect((await cli(['datasets', 'verify', 'iris', '--data-dir', data], xdg)).code).toBe(0);
  return { data, testFile: path.join(data, 'iris', 'iris_test.csv') };
}

/** Every class label moved to the next class, in place (same size, same inode), then the mtime put back with touch -d. */
function rotateLabelsKeepingMtime(file: string): void {
  const mtime = execFileSync('stat', ['-c', '%y', file], { encoding: 'utf8' }).trim();
  const text = readFileSync(file, 'utf8').replace(/,(\d)$/gm, (_, label: string) => `,${(Number(label) + 1) % 3}`);
  writeFileSync(file, text, { flag: 'r+' });
  execFileSync('touch', ['-d', mtime, file]);
  expect(execFileSync('stat', ['-c', '%y', file], { encoding: 'utf8' }).trim()).toBe(mtime);
}

function expectDataError(result: CliResult, testFile: string): void {
  expect(result.code, result.output).toBe(3);
  const { sha256 } = builtinRegistry().get('iris').files.test;
  expect(result.output).toMatch(new RegExp(`\\[setup\\] dataset iris: ${testFile} \\(test\\) does not match the registry: wrong or corrupt content: sha256 [0-9a-f]{64} \\(573 bytes\\), the registry's ${sha256} \\(573 bytes\\)\n`));
  expect(result.output).toContain(`mlcheck: UNDECIDED iris/tfjs dataset iris: ${testFile} (test) does not match the registry`);
  expect(result.output).not.toMatch(/FAIL/);
}

describe.skipIf(!asRoot)('tampered iris data (finding 4)', () => {
  it('rewritten in place with its mtime restored: exit 3, a data error naming the file and the checksum', async () => {
    const { data, testFile } = await stagedIris();
    // The cache this run uses is the one `datasets verify` filled: root's own, believed for unchanged files.
    const xdg = tempDir('run-xdg');
    expect((await cli(['datasets', 'verify', 'iris', '--data-dir', data], xdg)).code).toBe(0);
    rotateLabelsKeepingMtime(testFile);
    const result = await cli(['run', 'iris', '-e', 'tfjs', '--profile', 'quick', '--data-dir', data, '--out', path.join(tempDir('out'), 'run')], xdg);
    expectDataError(result, testFile);
  });

  it('with a cache entry forged under an XDG_CACHE_HOME another user owns: not believed, exit 3', async () => {
    const { data, testFile } = await stagedIris();
    rotateLabelsKeepingMtime(testFile);
    const xdg = tempDir('nobody-xdg');
    chownSync(xdg, 65534, 65534);
    // The forger writes the entry the tampered file would need, in the cache's own format, as nobody.
    const manifest = builtinRegistry().get('iris').files.test;
    const forge = `
      const fs = require('node:fs');
      const [file, cacheDir, sha256, size] = process.argv.slice(1);
      const s = fs.statSync(file);
      fs.mkdirSync(cacheDir + '/mlcheck');
      const entry = { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, sha256, contentSize: Number(size), gzipped: false };
      fs.writeFileSync(cacheDir + '/mlcheck/verified.json', JSON.stringify({ version: 1, entries: { [file]: entry } }));`;
    execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', forge, testFile, xdg, manifest.sha256, String(manifest.size)], { stdio: 'pipe' });
    const result = await cli(['run', 'iris', '-e', 'tfjs', '--profile', 'quick', '--data-dir', data, '--out', path.join(tempDir('out'), 'run')], xdg);
    expectDataError(result, testFile);
  });
});
