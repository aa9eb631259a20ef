#!/usr/bin/env node
// @ts-check
// `npm run dist`: the relocatable install (a tarball with its own Node.js) and the .deb and
// .rpm made from it. docs/install.md describes what it builds; the options:
//   --out DIR        where the tarball and packages go (default: dist-packages/)
//   --cache DIR      where the Node.js runtime tarball is kept between builds
//                    (default: dist-packages/.cache, or MLCHECK_DIST_CACHE)
//   --formats LIST   tar,deb,rpm (default: all three)
//   --no-compile     package dist/ as it is, without running tsc first
//   --keep-work      keep the staging folder (<out>/.work-<pid>) for inspection
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { unpackAppFiles } from './lib/app-files.mjs';
import { packDeb, stageDeb } from './lib/deb.mjs';
import { exec } from './lib/exec.mjs';
import { fetchNodeRuntime, unpackNodeRuntime } from './lib/node-runtime.mjs';
import { installProductionDependencies } from './lib/production-deps.mjs';
import { pruneForLinuxX64, treeBytes } from './lib/prune.mjs';
import { packRpm, stageRpm } from './lib/rpm.mjs';
import { buildTarball } from './lib/tarball.mjs';
import { assembleTree } from './lib/tree.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FORMATS = ['tar', 'deb', 'rpm'];
const TOOLS = { tar: ['tar', 'gzip'], deb: ['dpkg-deb'], rpm: ['rpmbuild'] };
const TOOL_FIX = { 'dpkg-deb': 'apt-get install dpkg-dev (Debian) or build without deb: --formats tar,rpm', rpmbuild: 'apt-get install rpm (Debian), dnf install rpm-build, or build without rpm: --formats tar,deb' };

const started = Date.now();
const log = (/** @type {string} */ line) => process.stderr.write(`dist [${Math.round((Date.now() - started) / 1000)} s]: ${line}\n`);
const megabytes = (/** @type {number} */ bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** @param {string} name */
function onPath(name) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(path.join(dir, name)));
}

/** The time every file of the build carries: the commit's, so that a rebuild of it is the same bytes. */
function buildTime() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(exec('git', ['log', '-1', '--format=%ct'], { cwd: repoRoot }).trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

/** The commit built, with "-dirty" when the working tree had changes; null outside git. */
function gitCommit() {
  try {
    const commit = exec('git', ['rev-parse', 'HEAD'], { cwd: repoRoot }).trim();
    return exec('git', ['status', '--porcelain'], { cwd: repoRoot }).trim() === '' ? commit : `${commit}-dirty`;
  } catch {
    return null;
  }
}

function checkHost(/** @type {string[]} */ formats) {
  const glibc = /** @type {{ header?: { glibcVersionRuntime?: string } }} */ (process.report?.getReport() ?? {}).header?.glibcVersionRuntime;
  if (process.platform !== 'linux' || process.arch !== 'x64' || !glibc) {
    throw new Error(`the build makes a linux-x64-glibc tree and must run there (npm installs the platform's own sharp and checks the bundled Node.js runs); this is ${process.platform}-${process.arch}${glibc ? ` glibc ${glibc}` : ' without glibc'}`);
  }
  const missing = formats.flatMap((format) => TOOLS[/** @type {'tar'|'deb'|'rpm'} */ (format)]).filter((tool) => !onPath(tool));
  if (missing.length > 0) throw new Error(`missing on PATH: ${missing.join(', ')}; fix: ${missing.map((tool) => TOOL_FIX[/** @type {'dpkg-deb'|'rpmbuild'} */ (tool)] ?? `install ${tool}`).join('; ')}`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: path.join(repoRoot, 'dist-packages') },
      cache: { type: 'string' },
      formats: { type: 'string', default: FORMATS.join(',') },
      'no-compile': { type: 'boolean', default: false },
      'keep-work': { type: 'boolean', default: false },
    },
  });
  const formats = String(values.formats).split(',').map((format) => format.trim()).filter(Boolean);
  const unknown = formats.filter((format) => !FORMATS.includes(format));
  if (unknown.length > 0 || formats.length === 0) throw new Error(`--formats ${values.formats}: each must be one of ${FORMATS.join(', ')}`);
  checkHost(formats);

  const outDir = path.resolve(String(values.out));
  const cacheDir = path.resolve(values.cache ?? process.env.MLCHECK_DIST_CACHE ?? path.join(repoRoot, 'dist-packages', '.cache'));
  const workDir = path.join(outDir, `.work-${process.pid}`);
  mkdirSync(outDir, { recursive: true });
  rmSync(workDir, { recursive: true, force: true });
  const pin = JSON.parse(readFileSync(path.join(repoRoot, 'packaging', 'node-runtime.json'), 'utf8'));
  const mtime = buildTime();

  try {
    if (values['no-compile']) {
      if (!existsSync(path.join(repoRoot, 'dist', 'cli', 'main.js'))) throw new Error('--no-compile, but dist/cli/main.js does not exist: run npx tsc -p tsconfig.json first');
    } else {
      log('compiling: tsc -p tsconfig.json');
      exec(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: repoRoot });
    }

    const runtime = fetchNodeRuntime({ pin, cacheDir, log });
    unpackNodeRuntime({ tarball: runtime, targetDir: path.join(workDir, 'node'), pin });

    log('mlcheck package files: npm pack');
    const { version } = unpackAppFiles({ repoRoot, workDir: path.join(workDir, 'pack'), targetDir: path.join(workDir, 'app') });

    const deps = installProductionDependencies({ repoRoot, workDir: path.join(workDir, 'deps'), log });
    const pruned = pruneForLinuxX64({ nodeModules: deps.nodeModules });
    log(`dependencies: ${deps.packages} packages, ${megabytes(pruned.bytesBefore)} installed, ${megabytes(pruned.bytesAfter)} after removing other platforms' binaries, browser bundles, source maps and TypeScript`);

    const rootDir = path.join(workDir, 'root');
    const treeDir = path.join(rootDir, 'mlcheck', version);
    const buildInfo = {
      name: 'mlcheck',
      version,
      platform: 'linux-x64-glibc',
      commit: gitCommit(),
      builtFrom: { lockfileSha256: createHash('sha256').update(readFileSync(path.join(repoRoot, 'package-lock.json'))).digest('hex'), productionPackages: deps.packages },
      node: { package: pin.package, version: pin.version, integrity: pin.integrity },
      sourceDateEpoch: mtime,
    };
    assembleTree({ repoRoot, prefixDir: treeDir, version, appDir: path.join(workDir, 'app'), nodeModules: deps.nodeModules, nodeDir: path.join(workDir, 'node'), buildInfo });
    // The tree runs before anything is packed: its own launcher, its own Node.js, no PATH.
    const reported = exec(path.join(treeDir, 'bin', 'mlcheck'), ['--version'], { env: { HOME: process.env.HOME ?? '/' } }).trim();
    if (reported !== version) throw new Error(`${treeDir}/bin/mlcheck --version printed ${reported}, expected ${version}`);
    exec('find', [treeDir, '-exec', 'touch', '-h', '-d', `@${mtime}`, '{}', '+']);

    const summary = { version, node: pin.version, tree: { dir: `mlcheck/${version}`, bytes: treeBytes(treeDir), files: Number(exec('find', [treeDir, '-type', 'f']).split('\n').filter(Boolean).length) }, files: /** @type {Record<string, { file: string, bytes: number }>} */ ({}) };
    const record = (/** @type {string} */ format, /** @type {string} */ file) => {
      summary.files[format] = { file: path.basename(file), bytes: statSync(file).size };
      log(`${format}: ${file} (${megabytes(statSync(file).size)})`);
    };
    // Stage the packages first (hard links into the tree), then the three compress the same
    // tree at once, each on its own core where there is one; nothing is removed until all end.
    const description = readFileSync(path.join(repoRoot, 'packaging', 'description.txt'), 'utf8').trimEnd();
    const maintainer = process.env.MLCHECK_PACKAGE_MAINTAINER ?? 'mlcheck maintainers <mlcheck@localhost>';
    const debRoot = formats.includes('deb') ? stageDeb({ treeDir, version, workDir, maintainer, description }) : null;
    const rpmStaged = formats.includes('rpm') ? stageRpm({ treeDir, version, workDir }) : null;
    const built = await Promise.all([
      ...(formats.includes('tar') ? [buildTarball({ rootDir, version, outDir, mtime }).then((file) => ['tar', file])] : []),
      ...(debRoot !== null ? [packDeb({ rootDir: debRoot, version, outDir, mtime }).then((file) => ['deb', file])] : []),
      ...(rpmStaged !== null ? [packRpm({ repoRoot, staged: rpmStaged, version, outDir, workDir, mtime }).then((file) => ['rpm', file])] : []),
    ]);
    for (const [format, file] of built) record(format, file);
    log(`tree: ${summary.tree.files} files, ${megabytes(summary.tree.bytes)} unpacked (Node.js ${pin.version} included)`);
    writeFileSync(path.join(outDir, `mlcheck-${version}-build.json`), `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    if (values['keep-work']) log(`staging kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
