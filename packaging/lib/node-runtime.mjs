// @ts-check
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { exec, npmCommand } from './exec.mjs';

/**
 * @typedef {{ package: string, version: string, integrity: string }} NodeRuntimePin
 */

/** @param {string} file */
function integrityOf(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * The npm registry's tarball of the pinned Node.js runtime (packaging/node-runtime.json), from
 * the cache folder when it is there with the pinned sha512, else fetched once with `npm pack`
 * (which goes through npm's own registry settings, proxy and cache) and checked against the pin.
 * @param {{ pin: NodeRuntimePin, cacheDir: string, log?: (line: string) => void }} options
 * @returns {string} the .tgz file
 */
export function fetchNodeRuntime({ pin, cacheDir, log = () => {} }) {
  mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `${pin.package}-${pin.version}.tgz`);
  if (existsSync(file) && integrityOf(file) === pin.integrity) {
    log(`node runtime: ${pin.package}@${pin.version} from the cache (${file})`);
    return file;
  }
  rmSync(file, { force: true });
  log(`node runtime: fetching ${pin.package}@${pin.version} with npm pack`);
  const npm = npmCommand();
  const fetchDir = path.join(cacheDir, `.fetch-${process.pid}`);
  mkdirSync(fetchDir, { recursive: true });
  try {
    const packed = /** @type {{ filename: string }[]} */ (
      JSON.parse(exec(npm.command, [...npm.prefix, 'pack', `${pin.package}@${pin.version}`, '--json', '--pack-destination', fetchDir], { cwd: fetchDir }))
    );
    const fetched = path.join(fetchDir, packed[0]?.filename ?? '');
    const found = integrityOf(fetched);
    if (found !== pin.integrity) {
      throw new Error(`${pin.package}@${pin.version} from the registry has integrity ${found}, but packaging/node-runtime.json pins ${pin.integrity}: a different file than the one pinned; check the registry (or mirror) before changing the pin`);
    }
    renameSync(fetched, file);
  } finally {
    rmSync(fetchDir, { recursive: true, force: true });
  }
  return file;
}

/**
 * Unpacks the runtime's `bin/node` and its LICENSE into `<targetDir>/bin/node` and
 * `<targetDir>/LICENSE` (not its C headers: nothing is compiled at a site), and checks that it
 * runs and is the pinned version.
 * @param {{ tarball: string, targetDir: string, pin: NodeRuntimePin }} options
 */
export function unpackNodeRuntime({ tarball, targetDir, pin }) {
  mkdirSync(targetDir, { recursive: true });
  exec('tar', ['-xzf', tarball, '-C', targetDir, '--strip-components=1', 'package/bin/node', 'package/LICENSE']);
  const node = path.join(targetDir, 'bin', 'node');
  const version = exec(node, ['--version']).trim();
  if (version !== `v${pin.version}`) throw new Error(`${node} --version says ${version}, expected v${pin.version}`);
  return node;
}
