// @ts-check
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import path from 'node:path';

/** Source maps and TypeScript (sources and declarations): Node runs neither from node_modules. */
const NOT_RUN = /\.(map|ts|mts|cts)$/;

/**
 * @param {string} dir
 * @returns {number} bytes of the files under dir (symlinks not followed)
 */
export function treeBytes(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) bytes += treeBytes(full);
    else bytes += lstatSync(full).size;
  }
  return bytes;
}

/** @param {string} dir @param {(file: string) => boolean} doomed given each file's full path @returns {number} files removed */
function removeFiles(dir, doomed) {
  let removed = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) removed += removeFiles(full, doomed);
    else if (doomed(full)) {
      rmSync(full);
      removed += 1;
    }
  }
  return removed;
}

/** @param {string} dir removes the empty folders under dir (and dir itself when it ends empty) */
function removeEmptyDirs(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeEmptyDirs(path.join(dir, entry.name));
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/**
 * onnxruntime-node ships its binaries for darwin, win32 and linux on x64 and arm64
 * (bin/napi-v6/<platform>/<arch>/): only linux/x64 runs here.
 * @param {string} nodeModules
 */
function pruneOnnxRuntime(nodeModules) {
  const binRoot = path.join(nodeModules, 'onnxruntime-node', 'bin');
  const kept = [];
  for (const napi of readdirSync(binRoot)) {
    for (const platform of readdirSync(path.join(binRoot, napi))) {
      for (const arch of readdirSync(path.join(binRoot, napi, platform))) {
        if (platform === 'linux' && arch === 'x64') kept.push(path.join(napi, platform, arch));
        else rmSync(path.join(binRoot, napi, platform, arch), { recursive: true });
      }
    }
  }
  if (!kept.some((dir) => existsSync(path.join(binRoot, dir, 'onnxruntime_binding.node')))) {
    throw new Error(`onnxruntime-node has no linux/x64 binding under ${binRoot} (kept: ${kept.join(', ') || 'nothing'}): its layout changed; update packaging/lib/prune.mjs`);
  }
}

/**
 * sharp loads its binary from @img/sharp-<platform> and libvips from @img/sharp-libvips-<platform>;
 * npm installed the ones whose os/cpu/libc fit. Any other platform's package goes.
 * @param {string} nodeModules
 */
function pruneSharp(nodeModules) {
  const img = path.join(nodeModules, '@img');
  const wanted = ['sharp-linux-x64', 'sharp-libvips-linux-x64'];
  for (const name of readdirSync(img)) {
    if (name.startsWith('sharp-') && !wanted.includes(name)) rmSync(path.join(img, name), { recursive: true });
  }
  const missing = wanted.filter((name) => !existsSync(path.join(img, name, 'package.json')));
  if (missing.length > 0) throw new Error(`sharp's linux-x64 packages are missing (${missing.map((name) => `@img/${name}`).join(', ')}): build on linux-x64 with glibc, where npm installs them`);
}

/** JavaScript and what only documents it: the bundles' size reports (.html) and tsc's build info. */
const SCRIPT_OR_REPORT = /\.(js|mjs|cjs|html|tsbuildinfo)$/;

/**
 * Each @tensorflow package runs under Node from one rollup bundle, its "main"
 * (dist/tf-*.node.js; no "exports", so `import` and `require` both load it). The other scripts
 * in dist/ are browser bundles (UMD, ES2017, minified) and the per-file ES modules that bundlers
 * read: Node loads none of them. Everything else stays: the .wasm binaries that
 * tfjs-backend-wasm's bundle reads from dist/, and whatever is outside dist/ (its wasm-out/).
 * @param {string} nodeModules
 */
function pruneTensorflowBundles(nodeModules) {
  const scope = path.join(nodeModules, '@tensorflow');
  if (!existsSync(scope)) return;
  for (const name of readdirSync(scope)) {
    const dir = path.join(scope, name);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const main = String(manifest.main ?? '');
    if (manifest.exports !== undefined || !/^(\.\/)?dist\/[^/]+\.node\.js$/.test(main) || !existsSync(path.join(dir, main))) {
      throw new Error(`@tensorflow/${name}: expected a "main" of dist/*.node.js and no "exports", found main=${main} exports=${JSON.stringify(manifest.exports)}: its layout changed; update packaging/lib/prune.mjs`);
    }
    const keep = path.join(dir, main);
    removeFiles(path.join(dir, 'dist'), (file) => file !== keep && SCRIPT_OR_REPORT.test(file));
  }
}

/**
 * Removes from a production node_modules what cannot run on linux-x64 under Node, and says how
 * much went.
 * @param {{ nodeModules: string }} options
 * @returns {{ bytesBefore: number, bytesAfter: number }}
 */
export function pruneForLinuxX64({ nodeModules }) {
  const bytesBefore = treeBytes(nodeModules);
  pruneOnnxRuntime(nodeModules);
  pruneSharp(nodeModules);
  pruneTensorflowBundles(nodeModules);
  removeFiles(nodeModules, (name) => NOT_RUN.test(name));
  removeEmptyDirs(nodeModules);
  return { bytesBefore, bytesAfter: treeBytes(nodeModules) };
}
