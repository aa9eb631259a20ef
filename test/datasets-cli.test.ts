import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataMirror, type DataMirror } from './helpers/data-mirror.js';
import { cliPath, repoRoot, sharedDataDir } from './helpers/paths.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const tempDir = (label: string): string => mkdtempSync(path.join(os.tmpdir(), `mlcheck-datasets-cli-${label}-`));

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const cleanEnv: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: tempDir('xdg') };
  delete cleanEnv.MLCHECK_DATA_DIR;
  delete cleanEnv.MLCHECK_DATASET_MIRROR;
  Object.assign(cleanEnv, env);
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: cleanEnv }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dataMirror: DataMirror;
let mirror: string;
let requested: string[];

beforeAll(async () => {
  // A mirror laid out like a data dir: MLCHECK_DATASET_MIRROR/<directory>/<file>.
  dataMirror = await startDataMirror();
  mirror = dataMirror.url;
  requested = dataMirror.requested;
});
afterAll(() => dataMirror.close());

describe('mlcheck datasets', () => {
  it('list shows every dataset and where it is', async () => {
    const result = await cli(['datasets', 'list', '--data-dir', sharedDataDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^mnist\\s+4\\s+55\\.0 MB .* present: ${path.join(sharedDataDir, 'mnist')} \\(--data-dir\\)$`, 'm'));
    expect(result.stdout).toMatch(/^iris\s+2\s/m);
    expect(result.stdout).toMatch(/^fashion-mnist\s+4\s/m);
  });

  it("list shows the package's own copies with the origin `package` when nothing else is staged", async () => {
    const result = await cli(['datasets', 'list']);
    expect(result.code).toBe(0);
    for (const [id, dir] of [['mnist', 'mnist'], ['iris', 'iris'], ['imagenet-images', 'images'], ['imagenet-labels', 'imagenet']]) {
      expect(result.stdout).toMatch(new RegExp(`^${id}\\s.* present: ${path.join(repoRoot, 'datasets', dir)} \\(package\\)$`, 'm'));
    }
  });

  it('verify re-hashes and passes on the shared data (MLCHECK_DATA_DIR)', async () => {
    const result = await cli(['datasets', 'verify', 'mnist', 'iris'], { MLCHECK_DATA_DIR: sharedDataDir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^mnist +trainImages +ok +${path.join(sharedDataDir, 'mnist', 'train-images-idx3-ubyte.gz')} \\(MLCHECK_DATA_DIR\\)$`, 'm'));
    expect(result.stdout.match(/ ok +\//g)).toHaveLength(6);
    // The package's copies are checked too, behind the data dir's.
    expect(result.stdout).toContain(`mnist    trainImages  ok (shadowed)  ${path.join(repoRoot, 'datasets', 'mnist', 'train-images-idx3-ubyte.gz')} (package)`);
  });

  it('verify exits 1 on a wrong copy and says what to do', async () => {
    const dataDir = tempDir('bad');
    mkdirSync(path.join(dataDir, 'iris'));
    writeFileSync(path.join(dataDir, 'iris', 'iris_test.csv'), readFileSync(path.join(sharedDataDir, 'iris', 'iris_test.csv'), 'utf8').replace('6.9', '6.8'));
    const result = await cli(['datasets', 'verify', 'iris', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/iris\s+test\s+WRONG\s+\S+iris_test\.csv \(--data-dir\)/);
    expect(result.stdout).toMatch(/iris\s+train\s+ok\s+\S+iris_training\.csv \(package\)/);
    expect(result.stderr).toContain('expected decompressed sha256 3b6dde8ad159a8545d4b4d8290a9cc7d49a9a8803d6ffe755884269371cc1eb1 (573 bytes)');
    expect(result.stderr).toContain(`fix: delete it and run mlcheck datasets fetch iris --data-dir ${dataDir}`);
  });

  it("fetch copies the package's own files into --data-dir, offline", async () => {
    const dataDir = tempDir('fetch-package');
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', dataDir], { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`iris/train: copying ${path.join(repoRoot, 'datasets', 'iris', 'iris_training.csv')} -> ${path.join(dataDir, 'iris')}/`);
    expect(readdirSync(path.join(dataDir, 'iris')).sort()).toEqual(['iris_test.csv', 'iris_training.csv']);
  });

  it('fetch downloads from MLCHECK_DATASET_MIRROR into --data-dir and verifies', async () => {
    const dataDir = tempDir('fetch');
    // Without the package's copies, which fetch would copy instead.
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', dataDir], { MLCHECK_DATASET_MIRROR: mirror, MLCHECK_PACKAGE_DATA_DIR: '' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`iris\ttrain\t${path.join(dataDir, 'iris', 'iris_training.csv')}`);
    expect(readdirSync(path.join(dataDir, 'iris')).sort()).toEqual(['iris_test.csv', 'iris_training.csv']);
    // The .gz name is tried first and is absent on this mirror: a 404, then the plain name.
    expect(requested).toEqual(expect.arrayContaining(['/iris/iris_training.csv.gz', '/iris/iris_training.csv']));
    const again = await cli(['datasets', 'verify', 'iris', '--data-dir', dataDir]);
    expect(again.code).toBe(0);
  });

  it('an unknown id is a usage error (exit 2) naming the known ids', async () => {
    const result = await cli(['datasets', 'fetch', 'cifar10']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown dataset "cifar10"');
    expect(result.stderr).toMatch(/expected: .*iris.*mnist/);
  });
});
