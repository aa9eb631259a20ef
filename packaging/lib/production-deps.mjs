// @ts-check
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exec, npmCommand } from './exec.mjs';

/**
 * The environment for a child npm: without what the outer `npm run dist` exported for its
 * script (npm_package_*, npm_lifecycle_*, the prefix and the install switches), so that nothing
 * points the child at the repository's own node_modules or changes what it installs.
 * @param {NodeJS.ProcessEnv} env
 */
function childNpmEnv(env) {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([key]) => !/^npm_(package_|lifecycle_|command$|config_(local_prefix|prefix|global|omit|include|ignore_scripts|save|workspace|dry_run|package_lock|production|only|also|dev|optional|install_links|fund|audit))/i.test(key)),
  );
  // onnxruntime-node's own switch (README): its install script would download the CUDA provider.
  return { ...clean, ONNXRUNTIME_NODE_INSTALL: 'skip' };
}

/**
 * @typedef {{ version?: string, resolved?: string, integrity?: string, dev?: boolean, optional?: boolean, link?: boolean }} LockEntry
 */

/**
 * Installs exactly the production dependencies of package-lock.json, for this platform, into
 * a clean `<workDir>/node_modules`: a manifest with the package's `dependencies` only (no
 * devDependencies; no optionalDependencies: @tensorflow/tfjs-node and -gpu download
 * libtensorflow in their install scripts, which a site tree cannot run, and load only on nodes
 * that installed them with network), the project's lockfile, and
 * `npm install --omit=dev --ignore-scripts`. npm keeps every locked version and integrity and,
 * through the packages' os/cpu/libc fields, installs only the linux-x64-glibc builds of sharp.
 * No install script runs: onnxruntime-node's only downloads the CUDA provider (`mlcheck setup
 * onnx-cuda` does that later on a GPU node), the others only print. Afterwards every installed
 * package is checked against the project's lockfile: same version, same integrity, not a dev
 * dependency; anything else fails the build.
 * @param {{ repoRoot: string, workDir: string, log?: (line: string) => void }} options
 * @returns {{ nodeModules: string, packages: number }}
 */
export function installProductionDependencies({ repoRoot, workDir, log = () => {} }) {
  mkdirSync(workDir, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const lockFile = path.join(repoRoot, 'package-lock.json');
  writeFileSync(
    path.join(workDir, 'package.json'),
    `${JSON.stringify({ name: manifest.name, version: manifest.version, private: true, type: manifest.type, dependencies: manifest.dependencies }, null, 2)}\n`,
  );
  copyFileSync(lockFile, path.join(workDir, 'package-lock.json'));
  const npm = npmCommand();
  log('dependencies: npm install --omit=dev --ignore-scripts against package-lock.json');
  exec(npm.command, [...npm.prefix, 'install', '--prefix', workDir, '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--no-save'], {
    cwd: workDir,
    env: childNpmEnv(process.env),
  });

  const nodeModules = path.join(workDir, 'node_modules');
  /** @type {Record<string, LockEntry>} */
  const locked = JSON.parse(readFileSync(lockFile, 'utf8')).packages;
  /** @type {Record<string, LockEntry>} */
  const installed = JSON.parse(readFileSync(path.join(nodeModules, '.package-lock.json'), 'utf8')).packages;
  const problems = [];
  for (const [key, entry] of Object.entries(installed)) {
    if (key === '') continue;
    const lock = locked[key];
    if (lock === undefined) problems.push(`${key}@${entry.version} is not in package-lock.json`);
    else if (lock.version !== entry.version || lock.integrity !== entry.integrity) problems.push(`${key}: installed ${entry.version} (${entry.integrity}), locked ${lock.version} (${lock.integrity})`);
    else if (lock.dev === true) problems.push(`${key} is a dev dependency`);
  }
  for (const optional of Object.keys(manifest.optionalDependencies ?? {})) {
    if (installed[`node_modules/${optional}`] !== undefined) problems.push(`${optional} (an optional dependency with a downloading install script) was installed`);
  }
  if (problems.length > 0) throw new Error(`the production dependencies do not match package-lock.json:\n  ${problems.join('\n  ')}\nfix: run npm install in the repository to update the lockfile, then build again`);
  return { nodeModules, packages: Object.keys(installed).length - 1 };
}
