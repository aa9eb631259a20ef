/**
 * Issue 22, finding 4, below the CLI: the digest cache is believed only for files that root or
 * the invoking user owns and nobody else can write, and what a reader or another program uses
 * are the bytes that were hashed.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry, createDataAccess } from '../src/datasets/index.js';
import { DataError } from '../src/util/errors.js';
import { sharedDataDir } from './helpers/paths.js';
import { rejectionOf } from './helpers/rejection.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const tempDir = (label: string): string => mkdtempSync(path.join(os.tmpdir(), `mlcheck-data-trust-${label}-`));
const irisTest = readFileSync(path.join(sharedDataDir, 'iris', 'iris_test.csv'));
const irisTraining = readFileSync(path.join(sharedDataDir, 'iris', 'iris_training.csv'));
/** The same size, other labels: a tampered copy that a reader would accept. */
const tampered = (csv: Buffer): Buffer => Buffer.from(csv.toString('utf8').replace(/,(\d)$/gm, (_, label: string) => `,${(Number(label) + 1) % 3}`));

function stageIris(dataDir: string): { train: string; test: string } {
  const dir = path.join(dataDir, 'iris');
  mkdirSync(dir);
  const files = { train: path.join(dir, 'iris_training.csv'), test: path.join(dir, 'iris_test.csv') };
  writeFileSync(files.train, irisTraining);
  writeFileSync(files.test, irisTest);
  return files;
}

describe('the digest cache and the bytes handed out', () => {
  it('a tampered file whose entry root wrote is caught by contents() even after files() believed the cache', async () => {
    const dataDir = tempDir('contents');
    const cacheDir = tempDir('cache');
    const files = stageIris(dataDir);
    const access = createDataAccess({ dataDir, cacheDir, systemPaths: false, packageDataDir: null });
    const contents = await access.contents('iris');
    expect(contents.test!.path).toBe(files.test);
    expect(contents.test!.bytes.equals(irisTest)).toBe(true);
    writeFileSync(files.test, tampered(irisTest));
    // files() is memoised for this access; contents() reads and hashes the file again.
    expect((await access.files('iris')).test).toBe(files.test);
    const error = await rejectionOf(access.contents('iris'));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toContain(`${files.test} (test) does not match the registry`);
  });

  it.skipIf(!asRoot)('does not believe a cache file another user owns (a forged entry under their XDG_CACHE_HOME)', async () => {
    const dataDir = tempDir('forged');
    const cacheDir = tempDir('cache');
    const files = stageIris(dataDir);
    writeFileSync(files.test, tampered(irisTest));
    const stats = statSync(files.test);
    const manifest = builtinRegistry().get('iris').files.test;
    const forged = { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, sha256: manifest.sha256, contentSize: manifest.size, gzipped: false };
    const cacheFile = path.join(cacheDir, 'verified.json');
    writeFileSync(cacheFile, JSON.stringify({ version: 1, entries: { [files.test]: forged } }));
    chownSync(cacheDir, NOBODY, NOBODY);
    chownSync(cacheFile, NOBODY, NOBODY);
    const error = await rejectionOf(createDataAccess({ dataDir, cacheDir, systemPaths: false, packageDataDir: null }).contents('iris'));
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).details.found).toMatch(/^sha256 [0-9a-f]{64}, 573 bytes$/);
    // The same entry in a cache root owns is believed: the owner is what made the difference.
    chownSync(cacheFile, 0, 0);
    expect((await createDataAccess({ dataDir, cacheDir, systemPaths: false, packageDataDir: null }).files('iris')).test).toBe(files.test);
    // A cache file others may write is not believed either.
    chmodSync(cacheFile, 0o666);
    expect(await rejectionOf(createDataAccess({ dataDir, cacheDir, systemPaths: false, packageDataDir: null }).files('iris'))).toBeInstanceOf(DataError);
  });

  it.skipIf(!asRoot)('neither remembers nor believes a digest for a data file others can write, and hands other programs a private copy of the verified bytes', async () => {
    const dataDir = tempDir('shared');
    const cacheDir = tempDir('cache');
    chmodSync(dataDir, 0o777);
    const files = stageIris(dataDir);
    chmodSync(files.test, 0o666);
    const handedOut = await createDataAccess({ dataDir, cacheDir, systemPaths: false, packageDataDir: null }).files('iris');
    const cached = JSON.parse(readFileSync(path.join(cacheDir, 'verified.json'), 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(cached.entries)).not.toContain(files.test);
    // dataDir is 0777: another user could swap either file between the check and a kit's read.
    for (const key of ['train', 'test'] as const) {
      expect(handedOut[key]).not.toBe(files[key]);
      expect(path.basename(handedOut[key]!)).toBe(path.basename(files[key]));
      const folder = statSync(path.dirname(path.dirname(handedOut[key]!)));
      expect(folder.uid).toBe(0);
      expect(folder.mode & 0o022).toBe(0);
    }
    writeFileSync(files.test, tampered(irisTest));
    expect(readFileSync(handedOut.test!).equals(irisTest)).toBe(true);
  });
});
