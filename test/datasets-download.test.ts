import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry, createDataAccess, createRegistry, type DatasetProgress as Progress } from '../src/datasets/index.js';
import { DataError, RequirementError } from '../src/util/errors.js';
import { sharedDataDir } from './helpers/paths.js';
import { rejectionOf } from './helpers/rejection.js';

/**
 * Serves ../shared/data over HTTP with Range support, under a mode prefix:
 *   /ok/<path>       the file
 *   /drop/<path>     the first request breaks the connection after half the bytes
 *   /wrong/<path>    another file's bytes (a bad mirror)
 *   /flaky/<path>    503 on the first request
 *   /missing/<path>  404
 */
interface Hit {
  url: string;
  range?: string;
}
const hits: Hit[] = [];
const seen = new Set<string>();
let server: Server;
let base: string;

function serve(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '/';
  hits.push({ url, range: request.headers.range });
  const [, mode, ...rest] = url.split('/');
  const relative = rest.join('/');
  const first = !seen.has(url);
  seen.add(url);
  if (mode === 'missing') return void response.writeHead(404).end();
  if (mode === 'flaky' && first) return void response.writeHead(503).end();
  const source = mode === 'wrong' ? path.join(sharedDataDir, 'mnist', 'train-labels-idx1-ubyte.gz') : path.join(sharedDataDir, relative);
  if (!existsSync(source)) return void response.writeHead(404).end();
  const bytes = readFileSync(source);
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  if (start >= bytes.length && range) return void response.writeHead(416).end();
  const body = bytes.subarray(start);
  response.writeHead(range ? 206 : 200, {
    'Content-Length': body.length,
    ...(range && { 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` }),
  });
  if (mode === 'drop' && first) {
    response.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => request.socket.destroy(), 50));
    return;
  }
  response.end(body);
}

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const tempDir = (label: string): string => mkdtempSync(path.join(os.tmpdir(), `mlcheck-download-${label}-`));
const urlsFrom = (...modes: string[]) => (datasetId: string, _key: string, file: { name: string }) =>
  modes.map((mode) => `${base}/${mode}/${datasetId}/${file.name}${datasetId === 'mnist' ? '.gz' : ''}`);


describe('downloads from a local server', () => {
  it('downloads, verifies and places the files; progress reports the bytes', async () => {
    const dataDir = tempDir('ok');
    const events: Progress[] = [];
    const access = createDataAccess({ dataDir, cacheDir: tempDir('cache'), systemPaths: false, packageDataDir: null, download: { urls: urlsFrom('ok') }, onProgress: (p) => events.push(p) });
    const files = await access.files('iris');
    expect(files.train).toBe(path.join(dataDir, 'iris', 'iris_training.csv'));
    expect(readFileSync(files.train).equals(readFileSync(path.join(sharedDataDir, 'iris', 'iris_training.csv')))).toBe(true);
    expect(readdirSync(path.join(dataDir, 'iris')).sort()).toEqual(['iris_test.csv', 'iris_training.csv']);
    const last = events.filter((e) => e.phase === 'download' && e.fileKey === 'train').at(-1);
    expect(last).toMatchObject({ bytes: 2194, totalBytes: 2194 });
  });

  it('resumes with an HTTP Range request after the connection drops midway', async () => {
    const dataDir = tempDir('drop');
    const events: Progress[] = [];
    const mnist = builtinRegistry().get('mnist');
    // The MNIST test images (1.6 MB .gz) and labels; the training files would only add time.
    const manifest = { ...mnist, files: { testImages: mnist.files.testImages, testLabels: mnist.files.testLabels } };
    const access = createDataAccess({
      registry: createRegistry([manifest]),
      dataDir,
      cacheDir: tempDir('cache'),
      systemPaths: false, packageDataDir: null,
      download: { urls: (id, key, file) => (key === 'testImages' ? urlsFrom('drop')(id, key, file) : urlsFrom('ok')(id, key, file)), backoffMs: 1 },
      onProgress: (p) => events.push(p),
    });
    const files = await access.files('mnist');
    const gz = path.join(sharedDataDir, 'mnist', 't10k-images-idx3-ubyte.gz');
    expect(files.testImages).toBe(path.join(dataDir, 'mnist', 't10k-images-idx3-ubyte.gz'));
    expect(readFileSync(files.testImages).equals(readFileSync(gz))).toBe(true);
    const requests = hits.filter((hit) => hit.url === '/drop/mnist/t10k-images-idx3-ubyte.gz');
    expect(requests).toHaveLength(2);
    expect(requests[0].range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(Math.floor(readFileSync(gz).length / 2));
    expect(events.some((e) => e.phase === 'retry' && e.fileKey === 'testImages')).toBe(true);
    expect(readdirSync(path.join(dataDir, 'mnist')).filter((name) => name.includes('.part'))).toEqual([]);
    expect(manifest.files.testImages.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('retries a 503 with backoff', async () => {
    const dataDir = tempDir('flaky');
    const files = await createDataAccess({ dataDir, cacheDir: tempDir('cache'), systemPaths: false, packageDataDir: null, download: { urls: urlsFrom('flaky'), backoffMs: 1 } }).files('iris');
    expect(existsSync(files.test)).toBe(true);
    expect(hits.filter((hit) => hit.url === '/flaky/iris/iris_test.csv')).toHaveLength(2);
  });

  it('rejects a mirror serving wrong bytes, and falls back to the next URL', async () => {
    const dataDir = tempDir('wrong');
    const files = await createDataAccess({ dataDir, cacheDir: tempDir('cache'), systemPaths: false, packageDataDir: null, download: { urls: urlsFrom('wrong', 'missing', 'ok'), backoffMs: 1 } }).files('iris');
    expect(readFileSync(files.test).equals(readFileSync(path.join(sharedDataDir, 'iris', 'iris_test.csv')))).toBe(true);
  });

  it('fails with DataError when every URL serves wrong bytes, leaving nothing behind', async () => {
    const dataDir = tempDir('allwrong');
    const error = await rejectionOf(createDataAccess({ dataDir, cacheDir: tempDir('cache'), systemPaths: false, packageDataDir: null, download: { urls: urlsFrom('wrong'), backoffMs: 1 } }).files('iris'));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toContain('could not download iris_training.csv');
    expect(error.message).toMatch(/wrong content: sha256 [0-9a-f]{64} \(60008 bytes\), expected c4c7652b/);
    expect(readdirSync(path.join(dataDir, 'iris'))).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('never resumes into a FIFO or another user\'s .part: removes it and starts afresh (no Range request)', async () => {
    const dataDir = tempDir('planted-part');
    const dir = path.join(dataDir, 'iris');
    mkdirSync(dir);
    // A FIFO would have hung the old open(.part, 'a'); another user's file would have been appended to.
    execFileSync('mkfifo', [path.join(dir, 'iris_training.csv.part')]);
    writeFileSync(path.join(dir, 'iris_test.csv.part'), 'x'.repeat(100));
    chownSync(path.join(dir, 'iris_test.csv.part'), 65534, 65534);
    for (const name of ['iris_training.csv', 'iris_test.csv']) writeFileSync(path.join(dir, `${name}.part.json`), JSON.stringify({ url: `${base}/ok/iris/${name}` }));
    const urls = (_id: string, _key: string, file: { name: string }) => [`${base}/ok/iris/${file.name}`];
    const before = hits.length;
    const files = await createDataAccess({ dataDir, cacheDir: tempDir('cache'), systemPaths: false, packageDataDir: null, download: { urls, backoffMs: 1 } }).files('iris');
    expect(readFileSync(files.test).equals(readFileSync(path.join(sharedDataDir, 'iris', 'iris_test.csv')))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['iris_test.csv', 'iris_training.csv']);
    const requests = hits.slice(before);
    expect(requests.map((hit) => hit.range)).toEqual([undefined, undefined]);
  });

  it('unreachable: a RequirementError that lists the URLs tried and the places looked in', async () => {
    const dataDir = tempDir('offline');
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const port = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(port));
      });
    });
    const dead = (_id: string, _key: string, file: { name: string }) => [`http://127.0.0.1:${closedPort}/${file.name}`, `http://no-such-host.invalid/${file.name}`];
    const error = await rejectionOf(createDataAccess({ dataDir, cacheDir: tempDir('cache'), systemPaths: false, packageDataDir: null, download: { urls: dead, backoffMs: 1, attempts: 2 } }).files('iris'));
    expect(error).toBeInstanceOf(RequirementError);
    const text = (error as InstanceType<typeof RequirementError>).describe();
    expect(text).toContain('dataset iris is not staged: missing iris_training.csv (train), iris_test.csv (test)');
    expect(text).toContain(`http://127.0.0.1:${closedPort}/iris_training.csv: fetch failed (ECONNREFUSED)`);
    expect(text).toContain('http://no-such-host.invalid/iris_training.csv: fetch failed (ENOTFOUND)');
    expect(text).toContain(`${path.join(dataDir, 'iris')}/ (--data-dir)`);
    expect(text).toContain(`fix: mlcheck datasets fetch iris --data-dir ${dataDir}`);
  });
});
