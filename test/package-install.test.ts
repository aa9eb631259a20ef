/**
 * The package as a user gets it: `npm pack`, then `npm install <tarball>` into a fresh folder on a
 * node with no C compiler (PATH holds only node, CC/CXX point nowhere) and, once installed, no
 * network (every proxy variable names a closed port). The prebuilt addon must be used
 * without compiling, and the README's main command, `npx mlcheck run`, must run all five
 * workloads on the data the package ships, with HOME and the cache empty. Then, with no
 * prebuilt binary that fits, the install's compile fails and the probe falls back to /proc.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeSnapshot } from '../src/probe/index.js';
import { closedPort } from './helpers/forward-proxy.js';
import { repoRoot } from './helpers/paths.js';
import { trustedTempDir } from './helpers/trusted-temp.js';

const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
const npxCli = path.join(path.dirname(npmCli), 'npx-cli.js');
// Not below /tmp: mlcheck loads its addon only from where nobody but root can write (trusted-path.ts).
const work = trustedTempDir('mlcheck-packed-');
const project = path.join(work, 'node');
const installed = path.join(project, 'node_modules', 'mlcheck');
/** A PATH with node and the shell npm runs scripts with, nothing else: no cc, c++, make or python3. */
const nodeOnly = path.join(work, 'bin');
let offline: NodeJS.ProcessEnv;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous, so the test worker stays responsive during minutes of npm and mlcheck. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  mkdirSync(nodeOnly);
  symlinkSync(process.execPath, path.join(nodeOnly, 'node'));
  symlinkSync('/bin/sh', path.join(nodeOnly, 'sh'));
  const dead = `http://127.0.0.1:${await closedPort()}`;
  offline = { PATH: nodeOnly, HOME: os.homedir(), CC: '/nonexistent/cc', CXX: '/nonexistent/c++', HTTPS_PROXY: dead, HTTP_PROXY: dead, https_proxy: dead, http_proxy: dead, ONNXRUNTIME_NODE_INSTALL: 'skip' };
  // dist/ is what `npm test` built; the prepare script would only build it again.
  const tarball = execFileSync(process.execPath, [npmCli, 'pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'an-air-gapped-node', private: true }));
  // npm may ask the registry for the dependencies' metadata (their tarballs come from its cache); the install scripts reach nothing.
  const { HTTPS_PROXY: _a, HTTP_PROXY: _b, https_proxy: _c, http_proxy: _d, ...installEnv } = offline;
  const install = await run(process.execPath, [npmCli, 'install', path.join(work, tarball), '--prefer-offline', '--foreground-scripts', '--no-audit', '--no-fund'], installEnv, 600_000);
  if (install.status !== 0) throw new Error(`npm install failed (${install.status}):\n${install.stdout}\n${install.stderr}`);
}, 900_000);

// The install holds about 650 MB of dependencies.
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package, installed with no compiler and no network', () => {
  it('holds what runs and no tests or benchmarks', () => {
    const top = readdirSync(installed).filter((name) => name !== 'node_modules').sort();
    expect(top).toEqual(['README.md', 'bin', 'binding.gyp', 'datasets', 'dist', 'docs', 'kits', 'models', 'native', 'package.json', 'prebuilds', 'references', 'schema']);
    expect(readdirSync(path.join(installed, 'dist'), { recursive: true }).filter((name) => /\.(map|d\.ts)$/.test(String(name)))).toEqual([]);
    expect(existsSync(path.join(installed, 'datasets', 'imagenet', 'mobilenet_v2_1.0_224.onnx'))).toBe(true);
  });

  it('used the prebuilt addon, compiled nothing, and `mlcheck probe --json` reports the native probe', async () => {
    expect(existsSync(path.join(installed, 'build'))).toBe(false);
    const probe = await run(path.join(project, 'node_modules', '.bin', 'mlcheck'), ['probe', '--json'], offline);
    expect(probe.status, probe.stderr).toBe(0);
    const snapshot = JSON.parse(probe.stdout) as ProbeSnapshot;
    expect(snapshot.source).toBe('native');
    expect(snapshot.fallbackReason).toBeNull();
  });

  it('`npx mlcheck run` runs all five workloads (quick) on the shipped data, none skipped, exit 0', async () => {
    const home = path.join(work, 'home');
    mkdirSync(home);
    const outDir = path.join(work, 'run');
    const env = { ...offline, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), npm_config_cache: path.join(home, '.npm'), npm_config_offline: 'true' };
    const result = await run(process.execPath, [npxCli, 'mlcheck', 'run', '--out', outDir], env, 900_000);
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8')) as { cases: { workload: string; engine: string; outcome: string; reason: string | null; hyperparameters: Record<string, unknown> }[] };
    expect(new Set(report.cases.map((c) => c.workload))).toEqual(new Set(['hello', 'iris', 'lenet', 'vae', 'inception']));
    // warn: right answers outside this node's performance reference (the machine is shared).
    for (const c of report.cases) expect(['pass', 'warn'], `${c.workload}/${c.engine}: ${c.outcome} ${c.reason ?? ''}`).toContain(c.outcome);
    const inception = report.cases.find((c) => c.workload === 'inception')!;
    expect(inception.hyperparameters.modelId).toBe('mobilenet_v2_1.0_224');
    expect(result.stdout).toContain("model: mobilenet_v2_1.0_224, shipped with mlcheck; run because inception_v3_2015_12_05 (the manual's model) is not staged");
  }, 900_000);

  it('with no prebuilt binary that fits, the compile fails, the install still succeeds, and the probe falls back to /proc with the fix', async () => {
    rmSync(path.join(installed, 'prebuilds'), { recursive: true });
    const rebuild = await run(process.execPath, [npmCli, 'rebuild', 'mlcheck', '--foreground-scripts'], offline);
    expect(rebuild.status, `${rebuild.stdout}\n${rebuild.stderr}`).toBe(0);
    expect(rebuild.stdout + rebuild.stderr).toContain('mlcheck: the probe addon could not be compiled');
    const probe = await run(path.join(project, 'node_modules', '.bin', 'mlcheck'), ['probe', '--json'], offline);
    const snapshot = JSON.parse(probe.stdout) as ProbeSnapshot;
    expect(snapshot.source).toBe('fallback');
    expect(snapshot.fallbackReason).toContain('fell back to /proc/cpuinfo and /proc/meminfo');
    expect(snapshot.fallbackReason).toContain(`cd ${installed} && npm run install`);
  });
});
