/**
 * `mlcheck setup onnx-cuda` installs only a pinned provider package: mlcheck downloads it (from a
 * loopback server here, directly or through a loopback forward proxy), checks its size and
 * sha256, unpacks it in a new private folder and copies only the listed libraries into
 * onnxruntime-node's bin folder. A package with another hash is refused and nothing is installed;
 * the folders onnxruntime-node's own installer used (/tmp/onnxruntime-node-pkgs_<ms>), planted
 * by `nobody` beforehand, are never touched. Each run uses a copy of the package with its own
 * onnxruntime-node folder, so the repository's node_modules is never written.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PROVIDER_REQUIREMENTS } from '../src/engines/onnx/provider-requirements.js';
import { extractZipEntries } from '../src/util/zip-entries.js';
import { startForwardProxy, type ForwardProxy } from './helpers/forward-proxy.js';
import { repoRoot } from './helpers/paths.js';
import { debianPython } from './helpers/python-env.js';
import { runNode } from './helpers/run-process.js';

const PROVIDERS = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_tensorrt.so'];
const inPackage = (name: string): string => `runtimes/linux-x64/native/${name}`;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const ortVersion = (JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;

/** A zip written by Python's zipfile (an independent writer): name -> content, deflated or stored. */
function writeZip(file: string, entries: Record<string, Buffer>, method: 'deflate' | 'store' = 'deflate'): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-zip-src-'));
  const manifest = Object.entries(entries).map(([name, content], i) => {
    const source = path.join(dir, String(i));
    writeFileSync(source, content);
    return [name, source];
  });
  const script = `import json, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.${method === 'deflate' ? 'ZIP_DEFLATED' : 'ZIP_STORED'}) as z:\n    for name, source in json.loads(sys.argv[2]):\n        z.write(source, name)\n`;
  const made = spawnSync(debianPython, ['-c', script, file, JSON.stringify(manifest)], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A copy of the installed package whose node_modules links every package of the repository's
 * except onnxruntime-node, which is a folder of its own (its native files linked): `setup` writes there.
 */
function packageCopy(): { root: string; binDir: string } {
  const root = mkdtempSync(path.join(work, 'copy-'));
  for (const entry of ['bin', 'dist', 'references', 'schema']) cpSync(path.join(repoRoot, entry), path.join(root, entry), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), readFileSync(path.join(repoRoot, 'package.json')));
  const modules = path.join(root, 'node_modules');
  mkdirSync(modules);
  const shared = path.join(repoRoot, 'node_modules');
  for (const entry of readdirSync(shared)) if (entry !== 'onnxruntime-node') symlinkSync(path.join(shared, entry), path.join(modules, entry));
  const ort = path.join(modules, 'onnxruntime-node');
  for (const entry of ['package.json', 'dist', 'lib', 'script']) cpSync(path.join(shared, 'onnxruntime-node', entry), path.join(ort, entry), { recursive: true });
  const binDir = path.join(ort, 'bin', 'napi-v6', 'linux', 'x64');
  mkdirSync(binDir, { recursive: true });
  for (const entry of readdirSync(path.join(shared, 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64'))) symlinkSync(path.join(shared, 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', entry), path.join(binDir, entry));
  return { root, binDir };
}

interface PackageServer {
  url: string;
  /** Paths requested, in order. */
  requested: string[];
  /** What each path answers. */
  files: Map<string, Buffer>;
  close(): Promise<void>;
}

async function startPackageServer(): Promise<PackageServer> {
  const requested: string[] = [];
  const files = new Map<string, Buffer>();
  const server: Server = createServer((request, response) => {
    requested.push(request.url ?? '');
    const body = files.get(request.url ?? '');
    if (body === undefined) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-length': body.length });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    files,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A provider package like NuGet's: the three libraries, and files that must never be installed. */
const contents = Object.fromEntries(PROVIDERS.map((name) => [name, Buffer.concat([Buffer.from(`\x7fELF fake ${name}\n`), randomBytes(64 * 1024)])]));
let packageBytes: Buffer;
let otherBytes: Buffer;
let server: PackageServer;
let proxy: ForwardProxy;
const work = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-setup-test-'));

function pinsFile(entry: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(work, 'pins-')), 'packages.yaml');
  const document = {
    schemaVersion: 1,
    packages: [
      {
        onnxruntimeNode: ortVersion,
        platform: 'linux/x64',
        package: `Test.Provider.Package ${ortVersion}`,
        url: `${server.url}/pkg.nupkg`,
        format: 'nupkg',
        sha256: sha256(packageBytes),
        size: packageBytes.length,
        files: Object.fromEntries(PROVIDERS.map((name) => [name, inPackage(name)])),
        ...entry,
      },
    ],
  };
  writeFileSync(file, stringify(document));
  return file;
}

/** The environment of a root run: no proxy of the machine's, its own TMPDIR to find leftovers in. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, TMPDIR: mkdtempSync(path.join(work, 'tmpdir-')) };
  for (const key of Object.keys(base)) if (/_proxy$/i.test(key)) delete base[key];
  return { ...base, ...extra };
}

const setup = (root: string, args: string[], environment: NodeJS.ProcessEnv) => runNode(path.join(root, 'bin', 'mlcheck.js'), ['setup', 'onnx-cuda', ...args], { env: environment, timeoutMs: 120_000 });
const providerFilesIn = (binDir: string): string[] => readdirSync(binDir).filter((name) => !name.startsWith('libonnxruntime.so') && name !== 'onnxruntime_binding.node').sort();

/** What onnxruntime-node's installer would have used: /tmp/onnxruntime-node-pkgs_<Date.now()>, planted by nobody for the coming seconds. */
function plantInstallerFolders(seconds: number): string[] {
  const start = Date.now();
  const planted = Array.from({ length: seconds * 1000 }, (_, i) => path.join('/tmp', `onnxruntime-node-pkgs_${start + i}`));
  const script = 'import os, sys\nfor ms in range(int(sys.argv[1]), int(sys.argv[1]) + int(sys.argv[2])):\n    d = "/tmp/onnxruntime-node-pkgs_%d" % ms\n    os.mkdir(d, 0o777)\n    os.chmod(d, 0o777)\n';
  const made = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', debianPython, '-c', script, String(start), String(planted.length)], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`planting as nobody failed: ${made.error?.message ?? made.stderr}`);
  for (const dir of planted) expect(statSync(dir).uid).toBe(65534);
  return planted;
}

beforeAll(async () => {
  const zip = path.join(work, 'package.nupkg');
  writeZip(zip, {
    '[Content_Types].xml': Buffer.from('<Types/>'),
    ...Object.fromEntries(PROVIDERS.map((name) => [inPackage(name), contents[name]!])),
    [inPackage('libonnxruntime.so')]: Buffer.from('not listed: never installed'),
    '../../../evil.so': Buffer.from('a path out of the folder: never used'),
  });
  packageBytes = readFileSync(zip);
  otherBytes = Buffer.from(packageBytes);
  otherBytes[otherBytes.length >> 1] ^= 0xff;
  server = await startPackageServer();
  proxy = await startForwardProxy();
});
afterAll(async () => {
  await server?.close();
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  server.requested.length = 0;
  server.files.clear();
  proxy.hits.length = 0;
});

describe('mlcheck setup onnx-cuda', () => {
  it("installs a pinned package's listed libraries after checking its sha256, in a private folder; nobody's planted /tmp/onnxruntime-node-pkgs_* folders are never used", async () => {
    const { root, binDir } = packageCopy();
    server.files.set('/pkg.nupkg', packageBytes);
    const planted = plantInstallerFolders(4);
    const environment = env();
    try {
      const result = await setup(root, ['--packages', pinsFile({})], environment);
      expect(result.status, result.stderr + result.stdout).toBe(0);
      expect(result.stdout).toContain(`provider libraries installed in ${binDir} (from Test.Provider.Package ${ortVersion}, sha256 verified)`);
      expect(result.stderr).toContain('size and sha256 match the pin');
      expect(server.requested).toEqual(['/pkg.nupkg']);
      // Only the listed libraries, byte for byte, each a new regular file of root's, and the record of the install.
      expect(providerFilesIn(binDir)).toEqual(['.mlcheck-onnx-cuda.json', ...PROVIDERS].sort());
      for (const name of PROVIDERS) {
        const stats = statSync(path.join(binDir, name));
        expect([stats.isFile(), stats.uid, stats.mode & 0o777], name).toEqual([true, 0, 0o755]);
        expect(readFileSync(path.join(binDir, name)).equals(contents[name]!), name).toBe(true);
      }
      expect(existsSync(path.join(root, 'evil.so')) || existsSync(path.join(binDir, '..', '..', '..', 'evil.so'))).toBe(false);
      // The private working folder is gone, and the installer's old folders were not touched.
      expect(readdirSync(environment.TMPDIR!)).toEqual([]);
      for (const dir of planted) expect(readdirSync(dir), dir).toEqual([]);
    } finally {
      for (const dir of planted) rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a package whose sha256 differs from the pin: exit 1, nothing installed, nothing left behind', async () => {
    const { root, binDir } = packageCopy();
    server.files.set('/pkg.nupkg', otherBytes);
    const environment = env();
    const result = await setup(root, ['--packages', pinsFile({})], environment);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`mlcheck setup onnx-cuda: refused the download: ${server.url}/pkg.nupkg: wrong content: sha256 ${sha256(otherBytes)} (${otherBytes.length} bytes), pinned ${sha256(packageBytes)} (${packageBytes.length} bytes); nothing was installed`);
    expect(providerFilesIn(binDir)).toEqual([]);
    expect(readdirSync(environment.TMPDIR!)).toEqual([]);
  }, 120_000);

  it('refuses a package larger than its pin at the first byte too many', async () => {
    const { root, binDir } = packageCopy();
    server.files.set('/pkg.nupkg', Buffer.concat([packageBytes, Buffer.from('more')]));
    const result = await setup(root, ['--packages', pinsFile({})], env());
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`more than the pinned ${packageBytes.length} bytes arrived; nothing was installed`);
    expect(providerFilesIn(binDir)).toEqual([]);
  }, 120_000);

  it('refuses an unpinned version with exit 2, saying what is missing, and downloads nothing (the shipped file pins no sha256 for this onnxruntime-node)', async () => {
    const { root, binDir } = packageCopy();
    const result = await setup(root, [], env({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url }));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`mlcheck: refusing to install Microsoft.ML.OnnxRuntime.Gpu.Linux ${ortVersion} (for onnxruntime-node ${ortVersion}) unverified: no sha256 is recorded for it yet`);
    expect(result.stderr).toContain(`expected: the sha256 and size of https://api.nuget.org/v3-flatcontainer/microsoft.ml.onnxruntime.gpu.linux/${ortVersion}/microsoft.ml.onnxruntime.gpu.linux.${ortVersion}.nupkg`);
    expect(result.stderr).toMatch(/fix: download the package on a machine you trust.*mlcheck setup onnx-cuda --packages COPY/);
    expect(proxy.hits).toEqual([]);
    expect(providerFilesIn(binDir)).toEqual([]);

    const other = await setup(root, ['--packages', pinsFile({ onnxruntimeNode: '0.0.1' })], env());
    expect(other.status).toBe(2);
    expect(other.stderr).toContain(`pins no CUDA provider package for onnxruntime-node ${ortVersion} on linux/x64`);
    expect(server.requested).toEqual([]);
  }, 120_000);

  it('goes through HTTP_PROXY (scheme-less, with credentials) and prints no password', async () => {
    const { root, binDir } = packageCopy();
    server.files.set('/pkg.nupkg', packageBytes);
    const result = await setup(root, ['--packages', pinsFile({})], env({ HTTP_PROXY: `alice:S3cretPw@${new URL(proxy.url).host}` }));
    expect(result.status, result.stderr).toBe(0);
    expect(proxy.hits.filter((hit) => hit.forwarded).map((hit) => hit.target)).toEqual([new URL(server.url).host]);
    expect(result.stderr).toContain(`through HTTP_PROXY=http://alice:***@${new URL(proxy.url).host}`);
    expect(result.stdout + result.stderr).not.toContain('S3cretPw');
    expect(providerFilesIn(binDir)).toEqual(['.mlcheck-onnx-cuda.json', ...PROVIDERS].sort());
  }, 120_000);

  it('keeps verified files without --force, downloads again with it, and replaces files it did not install', async () => {
    const { root, binDir } = packageCopy();
    server.files.set('/pkg.nupkg', packageBytes);
    const pins = pinsFile({});
    expect((await setup(root, ['--packages', pins], env())).status).toBe(0);
    const again = await setup(root, ['--packages', pins], env());
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`provider libraries already installed in ${binDir} (from Test.Provider.Package ${ortVersion}, verified); --force installs them again`);
    expect(server.requested).toEqual(['/pkg.nupkg']);

    const forced = await setup(root, ['--packages', pins, '--force'], env());
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('provider libraries installed in');
    expect(server.requested).toEqual(['/pkg.nupkg', '/pkg.nupkg']);

    // A library changed since (or put there by onnxruntime-node's own installer) is not "installed".
    writeFileSync(path.join(binDir, PROVIDERS[1]!), 'replaced by someone');
    const repaired = await setup(root, ['--packages', pins], env());
    expect(repaired.status, repaired.stderr).toBe(0);
    expect(repaired.stderr).toContain(`${PROVIDERS[1]}: present, but not installed by a verified setup: replacing them`);
    expect(readFileSync(path.join(binDir, PROVIDERS[1]!)).equals(contents[PROVIDERS[1]!]!)).toBe(true);
    expect(server.requested).toHaveLength(3);

    // A verified library that others can write (as onnxruntime-node's installer leaves them: 0666) is replaced too.
    chmodSync(path.join(binDir, PROVIDERS[0]!), 0o666);
    const loosened = await setup(root, ['--packages', pins], env());
    expect(loosened.status, loosened.stderr).toBe(0);
    expect(loosened.stderr).toContain(`${PROVIDERS[0]}: present, but not installed by a verified setup: replacing them`);
    expect(statSync(path.join(binDir, PROVIDERS[0]!)).mode & 0o777).toBe(0o755);
    expect(server.requested).toHaveLength(4);
  }, 180_000);

  it('--dry-run names the URL, size and sha256 and downloads nothing', async () => {
    const { root, binDir } = packageCopy();
    const result = await setup(root, ['--packages', pinsFile({}), '--dry-run'], env());
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`would download Test.Provider.Package ${ortVersion} from ${server.url}/pkg.nupkg (`);
    expect(result.stdout).toContain(`sha256 ${sha256(packageBytes)})`);
    expect(result.stdout).toContain(`would install ${PROVIDERS.join(', ')} into ${binDir}`);
    expect(server.requested).toEqual([]);
  }, 60_000);

  it('the shipped file lists, for each package, exactly the provider files the onnx engine looks for', () => {
    const document = parse(readFileSync(path.join(repoRoot, 'references', 'onnx-cuda-packages.yaml'), 'utf8')) as { packages: { files: Record<string, string> }[] };
    expect(document.packages.length).toBeGreaterThan(0);
    for (const entry of document.packages) expect(Object.keys(entry.files).sort()).toEqual([...PROVIDER_REQUIREMENTS.tensorrt.providerFiles].sort());
  });

  it('refuses to install into a bin folder other users can write', async () => {
    const { root, binDir } = packageCopy();
    server.files.set('/pkg.nupkg', packageBytes);
    chmodSync(binDir, 0o777);
    const result = await setup(root, ['--packages', pinsFile({})], env());
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`refusing to install provider libraries into ${binDir}: its mode 777 lets other users write to it`);
    expect(providerFilesIn(binDir)).toEqual([]);
  }, 60_000);
});

describe('zip entries (a NuGet package is a zip)', () => {
  const data = { 'a/one.bin': randomBytes(5000), 'a/two.txt': Buffer.from('two\n'.repeat(1000)), 'empty': Buffer.alloc(0) };

  it.each(['deflate', 'store'] as const)('extracts named entries (%s) under the names given, byte for byte', async (method) => {
    const zip = path.join(mkdtempSync(path.join(work, 'zip-')), 'x.zip');
    writeZip(zip, data, method);
    const out = mkdtempSync(path.join(work, 'out-'));
    const made = await extractZipEntries({ zipFile: zip, entries: { 'first.bin': 'a/one.bin', 'second.txt': 'a/two.txt', 'none': 'empty' }, outDir: out });
    expect(Object.keys(made).sort()).toEqual(['first.bin', 'none', 'second.txt']);
    expect(readFileSync(path.join(out, 'first.bin')).equals(data['a/one.bin'])).toBe(true);
    expect(readFileSync(path.join(out, 'second.txt')).equals(data['a/two.txt'])).toBe(true);
    expect(readFileSync(path.join(out, 'none')).length).toBe(0);
  });

  it('refuses a missing entry, a damaged one, a name with a folder, and a file already at the target (a planted link is not followed)', async () => {
    const zip = path.join(mkdtempSync(path.join(work, 'zip-')), 'x.zip');
    writeZip(zip, data, 'store');
    const out = mkdtempSync(path.join(work, 'out-'));
    await expect(extractZipEntries({ zipFile: zip, entries: { x: 'a/missing' }, outDir: out })).rejects.toThrow(/has no entry a\/missing/);
    await expect(extractZipEntries({ zipFile: zip, entries: { '../x': 'a/one.bin' }, outDir: out })).rejects.toThrow(/must be a plain file name/);
    const victim = path.join(work, 'victim');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, path.join(out, 'linked'));
    await expect(extractZipEntries({ zipFile: zip, entries: { linked: 'a/one.bin' }, outDir: out })).rejects.toThrow(/EEXIST/);
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    const damaged = Buffer.from(readFileSync(zip));
    damaged[damaged.indexOf(data['a/two.txt'].subarray(0, 8)) + 100] ^= 0x01;
    writeFileSync(zip, damaged);
    await expect(extractZipEntries({ zipFile: zip, entries: { two: 'a/two.txt' }, outDir: mkdtempSync(path.join(work, 'out-')) })).rejects.toThrow(/fails its CRC-32 check/);
    writeFileSync(zip, 'not a zip at all');
    await expect(extractZipEntries({ zipFile: zip, entries: { two: 'a/two.txt' }, outDir: out })).rejects.toThrow(/is not a zip archive/);
  });
});
