import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { builtinRegistry, createDataAccess, createRegistry, readIrisCsv } from '../src/datasets/index.js';
import { DataError, RequirementError } from '../src/util/errors.js';
import { repoRoot, sharedDataDir } from './helpers/paths.js';
import { rejectionOf } from './helpers/rejection.js';

const tempDir = (label: string): string => mkdtempSync(path.join(os.tmpdir(), `mlcheck-datasets-${label}-`));


function stageIris(dataDir: string, transform: (name: string, bytes: Buffer) => [string, Buffer] = (name, bytes) => [name, bytes]): string {
  const dir = path.join(dataDir, 'iris');
  mkdirSync(dir, { recursive: true });
  for (const name of ['iris_training.csv', 'iris_test.csv']) {
    const [target, bytes] = transform(name, readFileSync(path.join(sharedDataDir, 'iris', name)));
    writeFileSync(path.join(dir, target), bytes);
  }
  return dir;
}

describe('registry', () => {
  it('has mnist, fashion-mnist and iris with the keys workloads use', () => {
    const registry = builtinRegistry();
    const ids = registry.list().map((manifest) => manifest.id);
    expect(ids).toEqual(expect.arrayContaining(['fashion-mnist', 'iris', 'mnist']));
    for (const id of ['mnist', 'fashion-mnist']) expect(Object.keys(registry.get(id).files).sort()).toEqual(['testImages', 'testLabels', 'trainImages', 'trainLabels']);
    expect(Object.keys(registry.get('iris').files).sort()).toEqual(['test', 'train']);
    expect(registry.get('fashion-mnist').systemPaths).toContain('/usr/share/datasets/fashion-mnist');
    expect(() => registry.get('cifar')).toThrow(/unknown dataset "cifar"/);
  });
});

describe('createDataAccess: finding and verifying', () => {
  it('finds MNIST in the data dir (a re-compressed .gz included) and caches the verification', async () => {
    const cacheDir = tempDir('cache');
    const files = await createDataAccess({ dataDir: sharedDataDir, cacheDir, systemPaths: false }).files('mnist');
    expect(files.trainImages).toBe(path.join(sharedDataDir, 'mnist', 'train-images-idx3-ubyte.gz'));
    expect(Object.keys(files).sort()).toEqual(['testImages', 'testLabels', 'trainImages', 'trainLabels']);
    const cache = JSON.parse(readFileSync(path.join(cacheDir, 'verified.json'), 'utf8')) as { entries: Record<string, { sha256: string }> };
    expect(cache.entries[files.trainImages].sha256).toBe(builtinRegistry().get('mnist').files.trainImages.sha256);
  });

  it('accepts raw, canonical .gz and re-compressed .gz copies alike', async () => {
    const dataDir = tempDir('forms');
    stageIris(dataDir, (name, bytes) => (name === 'iris_test.csv' ? [`${name}.gz`, gzipSync(bytes, { level: 1 })] : [name, bytes]));
    const files = await createDataAccess({ dataDir, cacheDir: tempDir('cache'), systemPaths: false }).files('iris');
    expect(files.test).toBe(path.join(dataDir, 'iris', 'iris_test.csv.gz'));
    expect(files.train).toBe(path.join(dataDir, 'iris', 'iris_training.csv'));
    expect(readIrisCsv(files.test).count).toBe(30);
  });

  it('looks in --data-dir, then MLCHECK_DATA_DIR is ignored, then the cache', async () => {
    const flagDir = tempDir('flag');
    const envDir = tempDir('env');
    const xdg = tempDir('xdg');
    stageIris(envDir);
    stageIris(path.join(xdg, 'mlcheck'));
    const env = { MLCHECK_DATA_DIR: envDir, XDG_CACHE_HOME: xdg };
    expect((await createDataAccess({ env }).files('iris')).train).toBe(path.join(envDir, 'iris', 'iris_training.csv'));
    // --data-dir wins over the environment; it lacks iris, so the XDG cache is next.
    expect((await createDataAccess({ env, dataDir: flagDir }).files('iris')).train).toBe(path.join(xdg, 'mlcheck', 'iris', 'iris_training.csv'));
  });

  it('falls back to well-known system folders', async () => {
    const registry = createRegistry([{ ...builtinRegistry().get('iris'), systemPaths: [path.join(sharedDataDir, 'iris')] }]);
    const files = await createDataAccess({ registry, dataDir: tempDir('empty'), cacheDir: tempDir('cache') }).files('iris');
    expect(files.test).toBe(path.join(sharedDataDir, 'iris', 'iris_test.csv'));
  });

  it("finds the package's own copies last, after the data dir, the cache and system folders", async () => {
    const access = createDataAccess({ dataDir: tempDir('empty'), cacheDir: tempDir('cache') });
    const files = await access.files('iris');
    expect(files.train).toBe(path.join(repoRoot, 'datasets', 'iris', 'iris_training.csv'));
    const report = await access.inspect('iris', { hash: false });
    expect(report.locations.map((location) => location.kind)).toEqual(['data-dir', 'cache', 'package']);
    expect(report.locations.at(-1)).toMatchObject({ dir: path.join(repoRoot, 'datasets', 'iris'), origin: 'package' });
    // A copy anywhere before the package's wins.
    const dataDir = tempDir('staged');
    stageIris(dataDir);
    expect((await createDataAccess({ dataDir, cacheDir: tempDir('cache') }).files('iris')).train).toBe(path.join(dataDir, 'iris', 'iris_training.csv'));
  });

  it('ships every file the workloads read, verified: MNIST, iris, the five images, the ImageNet labels', async () => {
    const access = createDataAccess({ dataDir: tempDir('empty'), cacheDir: tempDir('cache') });
    for (const id of ['mnist', 'iris', 'imagenet-images', 'imagenet-labels']) {
      const report = await access.inspect(id);
      for (const file of report.files) expect(file.copies.map((copy) => [copy.location.kind, copy.status]), `${id}/${file.key}`).toEqual([['package', 'ok']]);
    }
  });

  it('MLCHECK_PACKAGE_DATA_DIR="" (or packageDataDir: null) leaves the package out', async () => {
    const env = { XDG_CACHE_HOME: tempDir('xdg'), MLCHECK_PACKAGE_DATA_DIR: '' };
    expect(await rejectionOf(createDataAccess({ env }).files('iris'))).toBeInstanceOf(RequirementError);
    expect(await rejectionOf(createDataAccess({ cacheDir: tempDir('cache'), packageDataDir: null }).files('iris'))).toBeInstanceOf(RequirementError);
  });

  it.skipIf(!existsSync('/usr/share/datasets/fashion-mnist'))("finds Debian's dataset-fashion-mnist", async () => {
    const files = await createDataAccess({ dataDir: sharedDataDir, cacheDir: tempDir('cache') }).files('fashion-mnist');
    expect(files.trainImages).toBe('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
  });

  it('rejects a copy whose content differs, naming the file and both checksums', async () => {
    const dataDir = tempDir('corrupt');
    stageIris(dataDir, (name, bytes) => [name, name === 'iris_test.csv' ? Buffer.from(bytes.toString().replace('5.9,3.0', '5.9,3.1')) : bytes]);
    const error = await rejectionOf(createDataAccess({ dataDir, cacheDir: tempDir('cache'), systemPaths: false }).files('iris'));
    expect(error).toBeInstanceOf(DataError);
    const file = path.join(dataDir, 'iris', 'iris_test.csv');
    expect(error.message).toContain(`${file} (test) does not match the registry`);
    expect((error as InstanceType<typeof DataError>).details.expected).toContain('3b6dde8ad159a8545d4b4d8290a9cc7d49a9a8803d6ffe755884269371cc1eb1');
  });

  it('offline and missing: names the files, every place looked in, and the commands', async () => {
    const dataDir = tempDir('nothing');
    const cacheDir = tempDir('cache');
    const registry = createRegistry([{ ...builtinRegistry().get('fashion-mnist'), systemPaths: ['/nonexistent/fashion-mnist'] }]);
    const error = await rejectionOf(createDataAccess({ registry, dataDir, cacheDir }).files('fashion-mnist'));
    expect(error).toBeInstanceOf(RequirementError);
    const text = (error as InstanceType<typeof RequirementError>).describe();
    expect(text).toContain('dataset fashion-mnist is not staged: missing train-images-idx3-ubyte (trainImages), train-labels-idx1-ubyte (trainLabels)');
    expect(text).toContain(`${path.join(dataDir, 'fashion-mnist')}/ (--data-dir)`);
    expect(text).toContain(`${path.join(cacheDir, 'fashion-mnist')}/ (cache dir)`);
    expect(text).toContain('/nonexistent/fashion-mnist/ (system path)');
    expect(text).toContain(`fix: mlcheck datasets fetch fashion-mnist --data-dir ${dataDir}`);
    expect(text).toContain(`into ${path.join(dataDir, 'fashion-mnist')}/`);
    expect(text).toContain('apt-get install dataset-fashion-mnist');
  });

  it('uses the cached digest while the file is unchanged; a fresh inspect re-hashes', async () => {
    const dataDir = tempDir('cached');
    stageIris(dataDir);
    const cacheDir = tempDir('cache');
    const file = path.join(dataDir, 'iris', 'iris_test.csv');
    await createDataAccess({ dataDir, cacheDir, systemPaths: false }).files('iris');
    // An entry root wrote is believed for an unchanged file: a wrong digest in it is taken at its word.
    const cacheFile = path.join(cacheDir, 'verified.json');
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as { entries: Record<string, { sha256: string; ctimeMs: number }> };
    expect(cache.entries[file]!.ctimeMs).toBe(statSync(file).ctimeMs);
    cache.entries[file]!.sha256 = '0'.repeat(64);
    writeFileSync(cacheFile, JSON.stringify(cache));
    expect(await rejectionOf(createDataAccess({ dataDir, cacheDir, systemPaths: false }).files('iris'))).toBeInstanceOf(DataError);
    const access = createDataAccess({ dataDir, cacheDir, systemPaths: false });
    const report = await access.inspect('iris', { fresh: true });
    expect(report.files.find((f) => f.key === 'test')?.copies[0]).toMatchObject({ path: file, status: 'ok' });
    expect((await createDataAccess({ dataDir, cacheDir, systemPaths: false }).files('iris')).test).toBe(file);
  });

  // Issue 22, finding 4: the cache keyed on (size, mtime, inode) alone, so this rewrite went unnoticed.
  it('hashes again a file rewritten in place with its size and mtime restored (the ctime moved)', async () => {
    const dataDir = tempDir('tamper');
    stageIris(dataDir);
    const cacheDir = tempDir('cache');
    const file = path.join(dataDir, 'iris', 'iris_test.csv');
    const mtime = new Date('2024-01-01T00:00:00Z');
    utimesSync(file, mtime, mtime);
    await createDataAccess({ dataDir, cacheDir, systemPaths: false }).files('iris');
    const inode = statSync(file).ino;
    // File times come from the kernel's coarse clock (one tick is a few ms): let it tick once, as any later rewrite would.
    await new Promise((resolve) => setTimeout(resolve, 25));
    writeFileSync(file, readFileSync(file).toString().replace('5.9,3.0', '5.9,3.1'));
    utimesSync(file, mtime, mtime);
    expect(statSync(file)).toMatchObject({ ino: inode, mtimeMs: mtime.getTime(), size: 573 });
    const error = await rejectionOf(createDataAccess({ dataDir, cacheDir, systemPaths: false }).files('iris'));
    expect(error).toBeInstanceOf(DataError);
    const { sha256 } = builtinRegistry().get('iris').files.test;
    expect(error.message).toMatch(new RegExp(`^dataset iris: ${file} \\(test\\) does not match the registry: wrong or corrupt content: sha256 [0-9a-f]{64} \\(573 bytes\\), the registry's ${sha256} \\(573 bytes\\)$`));
  });

  it('stage copies verified files from another location into the data dir', async () => {
    const dataDir = tempDir('stage');
    const registry = createRegistry([{ ...builtinRegistry().get('iris'), systemPaths: [path.join(sharedDataDir, 'iris')] }]);
    const staged = await createDataAccess({ registry, dataDir, cacheDir: tempDir('cache') }).stage('iris');
    expect(staged.train).toBe(path.join(dataDir, 'iris', 'iris_training.csv'));
    expect(readdirSync(path.join(dataDir, 'iris')).sort()).toEqual(['iris_test.csv', 'iris_training.csv']);
  });
});
