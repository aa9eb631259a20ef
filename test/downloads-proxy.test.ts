/**
 * Downloads honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lower-case too): `datasets fetch` goes
 * through a local forward proxy to a local data server, NO_PROXY bypasses the proxy, a proxy
 * without a scheme is read as curl reads it, and no proxy password is ever printed. The proxy
 * forwards only to loopback. (`setup onnx-cuda` through a proxy: test/setup-onnx-cuda.test.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDataAccess } from '../src/datasets/index.js';
import { startDataMirror, type DataMirror } from './helpers/data-mirror.js';
import { closedPort, startForwardProxy, type ForwardProxy } from './helpers/forward-proxy.js';
import { cliPath } from './helpers/paths.js';
import { describeProxySettings, normalizeProxyUrl, proxySettings } from '../src/util/proxy-env.js';
import { redactProxyCredentials, redactProxyUrl } from '../src/util/proxy-redact.js';

const PROXY_NAMES = ['http_proxy', 'https_proxy', 'no_proxy', 'all_proxy'];
const tempDir = (label: string): string => mkdtempSync(path.join(os.tmpdir(), `mlcheck-proxy-${label}-`));

/** The test's environment without any proxy setting of the machine's, nor data the package ships. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: tempDir('xdg'), MLCHECK_PACKAGE_DATA_DIR: '' };
  for (const key of Object.keys(env)) if (PROXY_NAMES.includes(key.toLowerCase()) || key.startsWith('GLOBAL_AGENT_')) delete env[key];
  delete env.MLCHECK_DATA_DIR;
  delete env.MLCHECK_DATASET_MIRROR;
  return { ...env, ...extra };
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dataMirror: DataMirror;
let mirror: string;
let proxy: ForwardProxy;
let served: string[];

beforeAll(async () => {
  dataMirror = await startDataMirror();
  mirror = dataMirror.url;
  served = dataMirror.requested;
  proxy = await startForwardProxy();
});
afterAll(async () => {
  await proxy.close();
  await dataMirror.close();
});
beforeEach(() => {
  proxy.hits.length = 0;
  served.length = 0;
});

describe('datasets fetch through a proxy', () => {
  it.each(['HTTP_PROXY', 'http_proxy'])('goes through %s to the server, and the files verify', async (name) => {
    const dataDir = tempDir('fetch');
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', dataDir], baseEnv({ [name]: proxy.url, MLCHECK_DATASET_MIRROR: mirror }));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('UNDICI-EHPA');
    expect(readdirSync(path.join(dataDir, 'iris')).sort()).toEqual(['iris_test.csv', 'iris_training.csv']);
    const port = new URL(mirror).port;
    expect(proxy.hits.filter((hit) => hit.forwarded).map((hit) => hit.target)).toContain(`127.0.0.1:${port}`);
    expect(proxy.hits.every((hit) => hit.method === 'CONNECT')).toBe(true);
    expect(served).toEqual(expect.arrayContaining(['/iris/iris_training.csv', '/iris/iris_test.csv']));
  });

  it('HTTPS_PROXY alone leaves http:// URLs direct; https_proxy wins over HTTPS_PROXY', async () => {
    const access = (env: Record<string, string>) =>
      createDataAccess({ env: baseEnv(env), dataDir: tempDir('https'), cacheDir: tempDir('cache'), systemPaths: false, packageDataDir: null, download: { urls: (_id, _key, file) => [`${mirror}/iris/${file.name}`] } });
    await access({ HTTPS_PROXY: proxy.url }).files('iris');
    expect(proxy.hits).toEqual([]);
    expect(served.length).toBe(2);
  });

  it.each([
    ['NO_PROXY', '127.0.0.1'],
    ['no_proxy', 'localhost,127.0.0.1'],
    ['NO_PROXY', '*'],
  ])('%s=%s bypasses the proxy', async (name, value) => {
    const dataDir = tempDir('bypass');
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', dataDir], baseEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, [name]: value, MLCHECK_DATASET_MIRROR: mirror }));
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.hits).toEqual([]);
    expect(served).toEqual(expect.arrayContaining(['/iris/iris_training.csv']));
  });

  it('an unreachable proxy fails the fetch (exit 1) and the message names the proxy', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', tempDir('dead'), '--retries', '1'], baseEnv({ HTTP_PROXY: dead, MLCHECK_DATASET_MIRROR: mirror }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain(`the download went through the environment's proxy (HTTP_PROXY=${dead})`);
    expect(served).toEqual([]);
  });
});

describe('proxy credentials', () => {
  const password = 'S3cretPw';

  it('a proxy without a scheme (alice:S3cretPw@host:port) is an http:// proxy, as curl reads it: datasets fetch goes through it with its credentials and never prints the password', async () => {
    const dataDir = tempDir('schemeless');
    const schemeless = `alice:${password}@${new URL(proxy.url).host}`;
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', dataDir], baseEnv({ HTTP_PROXY: schemeless, MLCHECK_DATASET_MIRROR: mirror }));
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(path.join(dataDir, 'iris')).sort()).toEqual(['iris_test.csv', 'iris_training.csv']);
    const forwarded = proxy.hits.filter((hit) => hit.forwarded);
    expect(forwarded.map((hit) => hit.target)).toContain(`127.0.0.1:${new URL(mirror).port}`);
    for (const hit of forwarded) expect(hit.proxyAuthorization).toBe(`Basic ${Buffer.from(`alice:${password}`).toString('base64')}`);
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  it.each([
    ['without a scheme', (port: number) => `alice:${password}@127.0.0.1:${port}`],
    ['with its scheme', (port: number) => `http://alice:${password}@127.0.0.1:${port}`],
    ['percent-encoded', (port: number) => `http://alice:${encodeURIComponent('S3cret@Pw!')}@127.0.0.1:${port}`],
  ])('an unreachable proxy %s is named with its password redacted, in every message (exit 1)', async (_form, value) => {
    const port = await closedPort();
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', tempDir('dead-auth'), '--retries', '1'], baseEnv({ HTTP_PROXY: value(port), https_proxy: value(port), MLCHECK_DATASET_MIRROR: mirror }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain(`HTTP_PROXY=http://alice:***@127.0.0.1:${port}`);
    const output = result.stdout + result.stderr;
    for (const form of [password, 'S3cret@Pw!', encodeURIComponent('S3cret@Pw!'), 'S3cret%40Pw']) expect(output).not.toContain(form);
  });

  it('redacts a password in the forms an HTTP error quotes it: the URL with or without scheme, decoded, encoded, as Basic credentials', () => {
    const env = { https_proxy: 'bob:p%40ss%2Fword@proxy.example:3128', HTTP_PROXY: 'http://carol:hunter22@10.0.0.1' };
    const text = [
      'connect to bob:p%40ss%2Fword@proxy.example:3128 failed',
      'tunnel http://bob:p%40ss%2Fword@proxy.example:3128/ refused (password p@ss/word)',
      'Proxy-Authorization: Basic ' + Buffer.from('bob:p@ss/word').toString('base64'),
      'GLOBAL_AGENT_HTTP_PROXY=http://carol:hunter22@10.0.0.1 (hunter22)',
    ].join('\n');
    const redacted = redactProxyCredentials(text, env);
    expect(redacted).toBe(
      [
        'connect to bob:***@proxy.example:3128 failed',
        'tunnel http://bob:***@proxy.example:3128/ refused (password ***)',
        'Proxy-Authorization: Basic ***',
        'GLOBAL_AGENT_HTTP_PROXY=http://carol:***@10.0.0.1 (***)',
      ].join('\n'),
    );
    expect(redactProxyUrl('alice:S3cretPw@proxy:3128')).toBe('alice:***@proxy:3128');
    expect(redactProxyUrl('http://proxy:3128')).toBe('http://proxy:3128');
  });

  it('reads proxy values as curl does: no scheme is http://, on port 1080 when none is given; a scheme is kept as written', () => {
    expect(normalizeProxyUrl('alice:S3cretPw@proxy:3128')).toBe('http://alice:S3cretPw@proxy:3128');
    expect(normalizeProxyUrl('proxy.example.org')).toBe('http://proxy.example.org:1080');
    expect(normalizeProxyUrl('http://proxy.example.org')).toBe('http://proxy.example.org');
    expect(normalizeProxyUrl('https://proxy:8443')).toBe('https://proxy:8443');
    expect(describeProxySettings(proxySettings({ HTTPS_PROXY: 'alice:S3cretPw@proxy:3128' }))).toBe('HTTPS_PROXY=http://alice:***@proxy:3128');
  });

  it('refuses a proxy scheme undici cannot use (socks5://) as bad configuration (exit 2), password redacted', async () => {
    const result = await cli(['datasets', 'fetch', 'iris', '--data-dir', tempDir('socks')], baseEnv({ HTTP_PROXY: `socks5://alice:${password}@127.0.0.1:1080`, MLCHECK_DATASET_MIRROR: mirror }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("HTTP_PROXY=socks5://alice:***@127.0.0.1:1080: mlcheck's downloads go through http:// and https:// proxies only");
    expect(result.stdout + result.stderr).not.toContain(password);
    expect(served).toEqual([]);
  });
});
