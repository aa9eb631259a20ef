/**
 * The install a site gets (docs/install.md). `npm run dist` builds, once for this file, the
 * relocatable tarball and the .deb and .rpm made from the same tree. The tarball is unpacked into
 * a fresh folder (no node_modules above it) and run with no network (`unshare -n`) and a PATH
 * whose first `node` is not Node.js: everything must come from the tree, found through
 * `module load mlcheck` with Environment Modules and with Debian's Lmod. The tree's Slurm
 * wrappers (contrib/slurm) run as HealthCheckProgram and Prolog on a real 3-node cluster. The
 * .deb is installed with dpkg, its systemd units verified and the NHC line run against it, and
 * it is removed again keeping the edited configuration file; the .rpm is listed, installed into
 * a private root and run from there.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeProcfs, fakeSysfs, kernelLogFixture, nvidiaGpusFrom } from './helpers/fake-node.js';
import { repoRoot } from './helpers/paths.js';
import { privateLmod } from './helpers/private-lmod.js';
import { runProcess, type ProcessRun } from './helpers/run-process.js';
import { hasSlurm, startSlurmCluster, type SlurmCluster } from './helpers/slurm-cluster.js';

interface BuildSummary {
  version: string;
  node: string;
  tree: { dir: string; bytes: number; files: number };
  files: Record<'tar' | 'deb' | 'rpm', { file: string; bytes: number }>;
}
interface Report {
  outcome: { status: string; summary: string };
  session: { commandLine: string[]; mlcheckVersion: string };
  cases: Array<{ id: string; outcome: string; reason: string | null }>;
}

const GOAL_BYTES = 100 * 1000 * 1000;
const pin = JSON.parse(readFileSync(path.join(repoRoot, 'packaging', 'node-runtime.json'), 'utf8')) as { version: string };
const work = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-site-'));
const outDir = path.join(work, 'out');
const home = path.join(work, 'home');
/** A PATH whose first `node` only fails: the tree must run its own. */
const decoyBin = path.join(work, 'decoy-bin');
const sitePath = `${decoyBin}:/usr/bin:/bin`;
let build: BuildSummary;
let version: string;
/** The unpacked tarball: <work>/site/mlcheck/<version>. */
let prefix: string;
let drivers: FakeDriverDirs;

/** The environment of a login shell on a node with a fresh account and nothing of the build machine. */
const siteEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ HOME: home, PATH: sitePath, LANG: 'C.UTF-8', ...extra });
const artifact = (format: 'tar' | 'deb' | 'rpm'): string => path.join(outDir, build.files[format].file);
const lastLine = (run: ProcessRun): string => run.stdout.trimEnd().split('\n').at(-1) ?? '';
const readReport = (dir: string): Report => JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as Report;

/** Fake /sys and /proc trees made for the GPU nodes below, removed at the end. */
const fakeTrees: string[] = [];
function kept(dir: string): string {
  fakeTrees.push(dir);
  return dir;
}
/** A node whose two GPUs are on PCI but whose driver fails cuInit: mlcheck exits 1 (gpu-driver). */
const brokenGpuNode = (): Record<string, string> => ({
  LD_LIBRARY_PATH: drivers.both,
  MLCHECK_FAKE_GPUS: 'cuinit-999',
  MLCHECK_SYSFS_ROOT: kept(fakeSysfs(nvidiaGpusFrom(7, 2))),
  MLCHECK_PROCFS_ROOT: kept(fakeProcfs('550.54.15')),
});
/** A GPU node whose health cannot be read (no NVML): mlcheck exits 3, undecided. */
const unreadGpuNode = (): Record<string, string> => ({
  LD_LIBRARY_PATH: drivers.cudaOnly,
  MLCHECK_FAKE_GPUS: 'ecc-volatile',
  MLCHECK_SYSFS_ROOT: kept(fakeSysfs(nvidiaGpusFrom(7, 2))),
  MLCHECK_PROCFS_ROOT: kept(fakeProcfs('550.54.15')),
  MLCHECK_KMSG: kernelLogFixture('no-xid.log'),
});

/** Every path under dir, relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    const relative = path.relative(base, full);
    return entry.isDirectory() ? [`${relative}/`, ...walk(full, base)] : [relative];
  });
}

/** `module load mlcheck` in a fresh bash with no network, then `body`; $1 is the prefix, $2 the work folder. */
function moduleShell(init: string, body: string): Promise<ProcessRun> {
  const script = [`. '${init}' || exit 90`, 'module use "$1/modulefiles"', 'module load mlcheck || exit 91', 'echo "loaded: $_LMFILES_"', 'echo "net: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"', 'echo "mlcheck: $(command -v mlcheck)"', 'echo "check: $(command -v mlcheck-slurm-check)"', body].join('\n');
  return runProcess('unshare', ['-n', 'bash', '--noprofile', '--norc', '-c', script, 'bash', prefix, work], { env: siteEnv(), timeoutMs: 180_000 });
}

beforeAll(async () => {
  mkdirSync(home);
  mkdirSync(decoyBin);
  writeFileSync(path.join(decoyBin, 'node'), '#!/bin/sh\necho "the node on PATH ran ($0), not the tree\'s own" >&2\nexit 97\n', { mode: 0o755 });
  drivers = buildFakeDrivers();
  // dist/ is what `npm test` compiled; compiling again would rewrite it under the other test files.
  const built = await runProcess(process.execPath, [path.join(repoRoot, 'packaging', 'build-dist.mjs'), '--out', outDir, '--no-compile'], { timeoutMs: 900_000 });
  if (built.status !== 0) throw new Error(`npm run dist failed (${built.status}):\n${built.stdout}\n${built.stderr}`);
  const summaryFile = readdirSync(outDir).find((name) => name.endsWith('-build.json'));
  build = JSON.parse(readFileSync(path.join(outDir, summaryFile!), 'utf8')) as BuildSummary;
  version = build.version;
  const site = path.join(work, 'site');
  mkdirSync(site);
  execFileSync('tar', ['-xzf', artifact('tar'), '-C', site]);
  prefix = path.join(site, 'mlcheck', version);
}, 900_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  for (const dir of fakeTrees) rmSync(dir, { recursive: true, force: true });
  if (drivers !== undefined) rmSync(drivers.root, { recursive: true, force: true });
});

describe('npm run dist: the relocatable tree', () => {
  it('builds a tarball, a .deb and an .rpm of at most 100 MB each, holding mlcheck/<version>/', () => {
    expect(build.version).toBe(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    for (const format of ['tar', 'deb', 'rpm'] as const) {
      expect(statSync(artifact(format)).size, `${format}: ${build.files[format].file}`).toBeLessThanOrEqual(GOAL_BYTES);
    }
    expect(build.files.tar.file).toBe(`mlcheck-${version}-linux-x64-glibc.tar.gz`);
    const listing = execFileSync('tar', ['-tzf', artifact('tar')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim().split('\n');
    expect(listing.filter((entry) => !entry.startsWith(`mlcheck/${version}/`))).toEqual([]);
    expect(readdirSync(prefix).sort()).toEqual(['bin', 'contrib', 'etc', 'lib', 'modulefiles', 'share']);
    expect(readdirSync(path.join(prefix, 'modulefiles', 'mlcheck')).sort()).toEqual([version, `${version}.lua`]);
  });

  it('holds its own Node.js (the pinned LTS), the compiled JavaScript, and only what runs on linux-x64', () => {
    expect(execFileSync(path.join(prefix, 'lib', 'node', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${pin.version}`);
    const app = path.join(prefix, 'lib', 'mlcheck');
    expect(existsSync(path.join(app, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(path.join(app, 'prebuilds', 'linux-x64'))).toBe(true);
    for (const compileOnly of ['native', 'binding.gyp', 'src', 'test']) expect(existsSync(path.join(app, compileOnly)), compileOnly).toBe(false);

    const files = walk(prefix);
    expect(files.filter((file) => /\.(ts|mts|cts|map)$/.test(file))).toEqual([]);
    expect(files).toContain('lib/mlcheck/node_modules/');
    expect(files.filter((file) => file.endsWith('node_modules/') && !file.startsWith('lib/mlcheck/node_modules/'))).toEqual([]);
    const modules = path.join(app, 'node_modules');
    expect(readdirSync(path.join(modules, 'onnxruntime-node', 'bin', 'napi-v6'))).toEqual(['linux']);
    expect(readdirSync(path.join(modules, 'onnxruntime-node', 'bin', 'napi-v6', 'linux'))).toEqual(['x64']);
    expect(readdirSync(path.join(modules, '@img')).filter((name) => name.startsWith('sharp-')).sort()).toEqual(['sharp-libvips-linux-x64', 'sharp-linux-x64']);
    for (const absent of ['typescript', 'vitest', 'onnxruntime-web', 'cmake-js', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
      expect(existsSync(path.join(modules, absent)), absent).toBe(false);
    }
    // Exactly the lockfile's production packages: each installed one locked, same version, not dev.
    const locked = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')).packages as Record<string, { version: string; dev?: boolean }>;
    const installed = JSON.parse(readFileSync(path.join(modules, '.package-lock.json'), 'utf8')).packages as Record<string, { version: string }>;
    for (const [key, entry] of Object.entries(installed)) {
      expect(locked[key]?.version, key).toBe(entry.version);
      expect(locked[key]?.dev, key).toBeUndefined();
    }
  });

  it('module load mlcheck (Environment Modules) && mlcheck run --profile smoke, with no network and no node on PATH', async () => {
    const result = await moduleShell('/usr/share/modules/init/bash', 'mlcheck run --profile smoke --out "$2/run-environment-modules"');
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`loaded: ${prefix}/modulefiles/mlcheck/${version}\n`);
    expect(result.stdout).toContain('net: lo \n');
    expect(result.stdout).toContain(`mlcheck: ${prefix}/bin/mlcheck\n`);
    expect(result.stdout).toContain(`check: ${prefix}/bin/mlcheck-slurm-check\n`);
    expect(lastLine(result)).toMatch(/^mlcheck: PASS 2 cases/);
    const report = readReport(path.join(work, 'run-environment-modules'));
    expect(report.session.commandLine[0]).toBe(path.join(prefix, 'lib', 'mlcheck', 'bin', 'mlcheck.js'));
    expect(report.session.mlcheckVersion).toBe(version);
    expect(report.cases.map((c) => `${c.id} ${c.outcome}`).sort()).toEqual(['hello/onnx pass', 'hello/tfjs pass']);
  });

  it("module load mlcheck (Debian's Lmod, its .lua modulefile) && mlcheck run --profile smoke, with no network", async () => {
    const init = privateLmod(mkdtempSync(path.join(work, 'lmod-')));
    const result = await moduleShell(init, 'mlcheck run --profile smoke --out "$2/run-lmod"');
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`loaded: ${prefix}/modulefiles/mlcheck/${version}.lua\n`);
    expect(result.stdout).toContain('net: lo \n');
    expect(result.stdout).toContain(`mlcheck: ${prefix}/bin/mlcheck\n`);
    expect(lastLine(result)).toMatch(/^mlcheck: PASS 2 cases/);
    expect(readReport(path.join(work, 'run-lmod')).session.commandLine[0]).toBe(path.join(prefix, 'lib', 'mlcheck', 'bin', 'mlcheck.js'));
  });

  it('both modulefiles find the prefix when a central modulefiles tree links to them (the file, or its folder)', async () => {
    const central = path.join(work, 'central-modulefiles');
    mkdirSync(path.join(central, 'mlcheck'), { recursive: true });
    symlinkSync(path.join(prefix, 'modulefiles', 'mlcheck', version), path.join(central, 'mlcheck', version));
    symlinkSync(path.join(prefix, 'modulefiles', 'mlcheck', `${version}.lua`), path.join(central, 'mlcheck', `${version}.lua`));
    symlinkSync(path.join(prefix, 'modulefiles', 'mlcheck'), path.join(central, 'mlcheck-linked-folder'));
    const lmodInit = privateLmod(mkdtempSync(path.join(work, 'lmod-')));
    for (const init of ['/usr/share/modules/init/bash', lmodInit]) {
      for (const name of ['mlcheck', 'mlcheck-linked-folder']) {
        const script = `. '${init}'; module use '${central}'; module load ${name} && command -v mlcheck`;
        const result = await runProcess('bash', ['--noprofile', '--norc', '-c', script], { env: siteEnv() });
        expect(result.stdout.trim(), `${init} ${name}: ${result.stderr}`).toBe(path.join(prefix, 'bin', 'mlcheck'));
      }
    }
  });

  it("the launcher execs the tree's own Node.js on the tree's mlcheck, whatever PATH says", async () => {
    const traced = await runProcess('sh', ['-x', path.join(prefix, 'bin', 'mlcheck'), '--version'], { env: siteEnv() });
    expect(traced.status, traced.stderr).toBe(0);
    expect(traced.stdout.trim()).toBe(version);
    expect(traced.stderr).toContain(`+ exec ${prefix}/lib/node/bin/node ${prefix}/lib/mlcheck/bin/mlcheck.js --version\n`);
  });

  it('the launcher works through a symlink (as /usr/bin/mlcheck) and runs sharp and ONNX Runtime offline: classify', async () => {
    const linkDir = path.join(work, 'usr-bin');
    mkdirSync(linkDir);
    symlinkSync(path.join(prefix, 'bin', 'mlcheck'), path.join(linkDir, 'mlcheck'));
    const panda = path.join(prefix, 'lib', 'mlcheck', 'datasets', 'images', 'cropped_panda.jpg');
    const result = await runProcess('unshare', ['-n', path.join(linkDir, 'mlcheck'), 'classify', panda], { env: siteEnv(), timeoutMs: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^giant panda \(score = 0\.9\d+\)$/m);
  });
});

describe('contrib/slurm/prolog.sh: only a failed check stops a job', () => {
  /** prolog.sh with a stand-in for mlcheck-slurm-check that exits `status`. */
  async function prologWith(checker: string): Promise<ProcessRun> {
    return runProcess(path.join(prefix, 'contrib', 'slurm', 'prolog.sh'), [], { env: siteEnv({ MLCHECK_SLURM_CHECK: checker, SLURM_JOB_ID: '42' }) });
  }

  it.each([
    [1, 1],
    [0, 0],
    [2, 0],
    [3, 0],
    [137, 0],
  ])('mlcheck-slurm-check --prolog exiting %i: the prolog exits %i', async (status, expected) => {
    const checker = path.join(work, `checker-${status}`);
    writeFileSync(checker, `#!/bin/sh\n[ "$1" = --prolog ] || exit 64\nexit ${status}\n`, { mode: 0o755 });
    const result = await prologWith(checker);
    expect(result.status, result.stderr).toBe(expected);
    if (expected === 0 && status !== 0) expect(result.stderr).toContain(`mlcheck-prolog: mlcheck-slurm-check --prolog exited ${status} (not a failure of the node): job 42 runs`);
  });

  it('a missing mlcheck-slurm-check lets the job run and says so', async () => {
    const result = await prologWith(path.join(work, 'no-such-checker'));
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/mlcheck-prolog: mlcheck-slurm-check not found .*job 42 runs unchecked/);
  });
});

describe.skipIf(!hasSlurm)("on a real 3-node Slurm cluster: the tree's contrib/slurm/healthcheck.sh and prolog.sh", () => {
  const NODES = ['node01', 'node02', 'node03'];
  let cluster: SlurmCluster;

  /**
   * What slurmd runs: sets the test cluster's slurm.conf and, on `faulty` only, a broken GPU
   * driver, then runs the tree's wrapper. slurmd passes no PATH: the decoy PATH set here would
   * only make a launcher that looks for node on PATH fail.
   */
  function slurmdScript(name: string, conf: string, faulty: string, wrapper: string): string {
    const file = path.join(work, name);
    const faultyExports = Object.entries(brokenGpuNode()).map(([key, value]) => `  export ${key}='${value}'`);
    writeFileSync(file, ['#!/bin/sh', `export SLURM_CONF='${conf}' PATH='${sitePath}'`, `if [ "$SLURMD_NODENAME" = ${faulty} ]; then`, ...faultyExports, 'fi', `exec '${wrapper}'`, ''].join('\n'));
    chmodSync(file, 0o755);
    return file;
  }

  afterAll(async () => {
    await cluster?.stop();
  });

  it('the health check drains only the broken node with its reason; the prolog holds a job on a broken node and lets the others run', async () => {
    const contrib = path.join(prefix, 'contrib', 'slurm');
    let healthCheck = '';
    cluster = await startSlurmCluster({
      nodes: NODES,
      extraConfig: (_dir, conf) => [
        `HealthCheckProgram=${(healthCheck = slurmdScript('healthcheck-node03.sh', conf, 'node03', path.join(contrib, 'healthcheck.sh')))}`,
        'HealthCheckInterval=5',
        'HealthCheckNodeState=ANY',
        `Prolog=${slurmdScript('prolog-node02.sh', conf, 'node02', path.join(contrib, 'prolog.sh'))}`,
      ],
      ready: (states) => states.get('node01')?.state === 'idle' && states.get('node02')?.state === 'idle' && /^drain/.test(states.get('node03')?.state ?? ''),
    });
    expect(cluster.nodeStates().get('node03')?.reason).toMatch(/^mlcheck check\/smoke: FAIL gpu-driver: 2 NVIDIA GPUs on PCI/);
    // Done with the health check: three checks every 5 s would only slow the prolog's part on 2 cores.
    // A new file renamed over it: a shell still reading the old one is not disturbed.
    writeFileSync(`${healthCheck}.new`, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    renameSync(`${healthCheck}.new`, healthCheck);

    const ok = await runProcess('sbatch', ['--wait', '-w', 'node01', '-o', path.join(work, 'ok-%j.out'), '--wrap', 'echo ran'], { env: cluster.env, timeoutMs: 120_000 });
    expect(ok.status, ok.stderr).toBe(0);
    const jobId = cluster.run('sbatch', ['--parsable', '-w', 'node02', '-o', path.join(work, 'held-%j.out'), '--wrap', 'echo ran']).trim();
    await cluster.waitFor('node02 drained by the failing prolog', () => /^drain/.test(cluster.nodeStates().get('node02')?.state ?? ''), 90_000);
    expect(cluster.nodeStates().get('node02')?.reason).toMatch(/Prolog error/);
    await cluster.waitFor('the job requeued and held', () => /PENDING/.test(cluster.run('scontrol', ['show', 'job', jobId])), 60_000);
    expect(cluster.run('scontrol', ['show', 'job', jobId])).toMatch(/Reason=\S*(Held|held)/);
    expect(cluster.nodeStates().get('node01')?.state).toMatch(/^(idle|mixed|allocated)/);
  }, 300_000);
});

describe('the .deb, installed with dpkg', () => {
  const installedPrefix = (): string => `/opt/mlcheck/${version}`;
  const config = '/etc/mlcheck/mlcheck.yaml';
  const stateDirExisted = existsSync('/var/lib/mlcheck');

  afterAll(() => {
    // Whatever happened above, leave the machine as it was: no package, no configuration file.
    execFileSync('dpkg', ['--purge', 'mlcheck'], { stdio: 'ignore' });
    if (!stateDirExisted) rmSync('/var/lib/mlcheck', { recursive: true, force: true });
    else rmSync('/var/lib/mlcheck/nhc', { recursive: true, force: true });
  });

  it('dpkg -i installs the tree under /opt/mlcheck/<version>, /usr/bin links into it and the config file as a conffile; it runs', async () => {
    const install = await runProcess('dpkg', ['-i', artifact('deb')], { timeoutMs: 300_000 });
    expect(install.status, install.stderr).toBe(0);
    expect(realpathSync('/usr/bin/mlcheck')).toBe(`${installedPrefix()}/bin/mlcheck`);
    expect(realpathSync('/usr/bin/mlcheck-slurm-check')).toBe(`${installedPrefix()}/bin/mlcheck-slurm-check`);
    expect(readlinkSync('/usr/bin/mlcheck')).toBe(`../../opt/mlcheck/${version}/bin/mlcheck`);
    expect(execFileSync('dpkg-query', ['-W', '-f', '${Conffiles}', 'mlcheck'], { encoding: 'utf8' })).toContain(config);
    expect(readFileSync(config, 'utf8')).toBe(readFileSync(path.join(repoRoot, 'packaging', 'tree', 'etc', 'mlcheck.yaml'), 'utf8'));
    expect((await runProcess('dpkg', ['--verify', 'mlcheck'])).stdout).toBe('');
    const probe = await runProcess('/usr/bin/mlcheck', ['probe', '--json'], { env: siteEnv() });
    expect(probe.status, probe.stderr).toBe(0);
    expect((JSON.parse(probe.stdout) as { source: string }).source).toBe('native');
  });

  it('its systemd units (contrib/systemd) pass systemd-analyze verify without a warning', async () => {
    for (const unit of ['mlcheck.service', 'mlcheck.timer']) {
      expect(readFileSync(`/usr/lib/systemd/system/${unit}`, 'utf8')).toBe(readFileSync(path.join(repoRoot, 'contrib', 'systemd', unit), 'utf8'));
    }
    const verify = await runProcess('systemd-analyze', ['verify', '/usr/lib/systemd/system/mlcheck.service', '/usr/lib/systemd/system/mlcheck.timer']);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toBe('');
  });

  it("contrib/nhc/mlcheck.conf's check: 0 on a healthy node, 1 on a broken GPU driver, 0 (never drain) when undecided", async () => {
    const line = readFileSync(path.join(repoRoot, 'contrib', 'nhc', 'mlcheck.conf'), 'utf8').split('\n').find((l) => !l.startsWith('#') && l.includes('||'))!;
    const check = /\|\|\s*check_cmd_status\s+-t\s+(\d+)\s+-r\s+0\s+(.*)$/.exec(line);
    expect(check, line).not.toBeNull();
    // NHC evaluates the check with bash; check_cmd_status then runs its words as a command.
    const nhc = (env: Record<string, string>): Promise<ProcessRun> => runProcess('bash', ['-c', 'eval "set -- $1"; "$@"', 'bash', check![2]!], { env: siteEnv(env), timeoutMs: Number(check![1]) * 1000 });
    const healthy = await nhc({});
    expect(healthy.status, healthy.stderr).toBe(0);
    expect(readReport('/var/lib/mlcheck/nhc').cases.map((c) => c.outcome)).toEqual(['pass', 'pass']);
    expect((await nhc(brokenGpuNode())).status).toBe(1);
    expect(readReport('/var/lib/mlcheck/nhc').outcome.status).toBe('fail');
    const undecided = await nhc(unreadGpuNode());
    expect(undecided.status).toBe(0);
    expect(readReport('/var/lib/mlcheck/nhc').outcome.status).toBe('undecided');
  });

  it('an edited config file survives a reinstall and `dpkg -r`, which removes everything else', async () => {
    appendFileSync(config, '# edited by the site\n');
    expect((await runProcess('dpkg', ['-i', artifact('deb')], { timeoutMs: 300_000 })).status).toBe(0);
    expect(readFileSync(config, 'utf8')).toContain('# edited by the site');
    const remove = await runProcess('dpkg', ['-r', 'mlcheck'], { timeoutMs: 300_000 });
    expect(remove.status, remove.stderr).toBe(0);
    expect(existsSync(installedPrefix())).toBe(false);
    expect(existsSync('/usr/bin/mlcheck')).toBe(false);
    expect(readFileSync(config, 'utf8')).toContain('# edited by the site');
    expect(execFileSync('dpkg-query', ['-W', '-f', '${Status}', 'mlcheck'], { encoding: 'utf8' })).toBe('deinstall ok config-files');
  });
});

describe('the .rpm', () => {
  const root = path.join(work, 'rpm-root');
  const rpm = (args: string[]): Promise<ProcessRun> => runProcess('rpm', args, { timeoutMs: 300_000 });

  it('rpm -qlp lists the tree, the /usr/bin links, the units and /etc/mlcheck/mlcheck.yaml as %config(noreplace)', async () => {
    const list = await rpm(['-qlp', artifact('rpm')]);
    expect(list.status, list.stderr).toBe(0);
    const files = list.stdout.trim().split('\n');
    for (const file of [`/opt/mlcheck/${version}/bin/mlcheck`, `/opt/mlcheck/${version}/lib/node/bin/node`, `/opt/mlcheck/${version}/modulefiles/mlcheck/${version}.lua`, '/usr/bin/mlcheck', '/usr/bin/mlcheck-slurm-check', '/usr/lib/systemd/system/mlcheck.timer', '/etc/mlcheck/mlcheck.yaml']) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((file) => !/^\/(opt\/mlcheck|etc\/mlcheck|usr\/bin\/mlcheck|usr\/lib\/systemd\/system\/mlcheck\.)/.test(file))).toEqual([]);
    const flags = await rpm(['-qp', '--qf', '[%{FILENAMES} %{FILEFLAGS:fflags}\n]', artifact('rpm')]);
    expect(flags.stdout).toMatch(/^\/etc\/mlcheck\/mlcheck\.yaml cn$/m);
  });

  it('rpm -i --root <dir> --nodeps installs it; mlcheck runs from that root; an upgrade keeps the edited config, rpm -e saves it', async () => {
    mkdirSync(root);
    const install = await rpm(['-i', '--root', root, '--nodeps', artifact('rpm')]);
    expect(install.status, install.stderr).toBe(0);
    for (const command of [path.join(root, 'opt', 'mlcheck', version, 'bin', 'mlcheck'), path.join(root, 'usr', 'bin', 'mlcheck')]) {
      const probe = await runProcess(command, ['probe', '--json'], { env: siteEnv() });
      expect(probe.status, `${command}: ${probe.stderr}`).toBe(0);
      expect((JSON.parse(probe.stdout) as { source: string }).source).toBe('native');
    }
    const config = path.join(root, 'etc', 'mlcheck', 'mlcheck.yaml');
    appendFileSync(config, '# edited by the site\n');
    expect((await rpm(['-U', '--replacepkgs', '--root', root, '--nodeps', artifact('rpm')])).status).toBe(0);
    expect(readFileSync(config, 'utf8')).toContain('# edited by the site');
    expect(existsSync(`${config}.rpmnew`)).toBe(false);
    expect((await rpm(['-e', '--root', root, '--nodeps', 'mlcheck'])).status).toBe(0);
    expect(existsSync(path.join(root, 'opt', 'mlcheck'))).toBe(false);
    expect(readFileSync(`${config}.rpmsave`, 'utf8')).toContain('# edited by the site');
  });
});
