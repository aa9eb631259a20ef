import type * as tfc from '@tensorflow/tfjs-core';
import { errorMessage, importOptional, installedVersion } from './optional-package.js';

export type NativePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

export interface NativeLoad {
  ok: boolean;
  /** Why it cannot be used, with the fix; null when ok. */
  reason: string | null;
  version: string | null;
  /** libtensorflow's own version, when the addon reports it. */
  libtensorflowVersion?: string;
}

/** Which native package registered the 'tensorflow' backend in this process (they cannot coexist). */
let loadedPackage: NativePackage | null = null;

/**
 * Loads @tensorflow/tfjs-node(-gpu), which registers the 'tensorflow' backend on tfjs-core as a
 * side effect, and turns every way that fails into the cause and its fix.
 */
export async function loadNativePackage(tf: typeof tfc, packageName: NativePackage, tfjsCoreVersion: string): Promise<NativeLoad> {
  const version = installedVersion(packageName);
  const install = `npm install ${packageName}@${tfjsCoreVersion}`;
  if (version === null) {
    return { ok: false, version, reason: `${packageName} is not installed (it is an optional dependency; its install script downloads libtensorflow). Install it with: ${install}` };
  }
  if (loadedPackage !== null && loadedPackage !== packageName) {
    return { ok: false, version, reason: `${loadedPackage} already provides the 'tensorflow' backend in this process; ${packageName} can only be used in a separate run (--backend)` };
  }
  let loaded: unknown;
  try {
    loaded = await importOptional(packageName);
  } catch (error) {
    return { ok: false, version, reason: classifyLoadError(packageName, errorMessage(error)) };
  }
  loadedPackage = packageName;
  // tfjs-node registers its backend on the tfjs-core that @tensorflow/tfjs resolves to; it must
  // be the same copy mlcheck uses, or the backend would be invisible (or run with other kernels).
  if (tf.findBackendFactory('tensorflow') === undefined) {
    const theirs = readVersions(loaded)['tfjs-core'] ?? 'unknown';
    return {
      ok: false,
      version,
      reason: `${packageName} registered its backend on a second copy of @tensorflow/tfjs-core (${theirs}; mlcheck uses ${tfjsCoreVersion}). Fix: install matching versions and deduplicate: npm install ${packageName}@${tfjsCoreVersion} && npm dedupe`,
    };
  }
  return { ok: true, version, reason: null };
}

export function classifyLoadError(packageName: NativePackage, message: string): string {
  const rebuild = `npm rebuild ${packageName} (runs its install script: downloads libtensorflow and the prebuilt addon; needs internet)`;
  const firstLine = message.split('\n')[0];
  if (/tfjs_binding\.node\)? can ?not be found|Cannot find module '[^']*tfjs_binding\.node'/i.test(message)) {
    return `${packageName} is installed but its native addon (tfjs_binding.node) was not built: the install script did not run or failed. Fix: ${rebuild}`;
  }
  const missingLibrary = /(libtensorflow[\w.-]*\.(?:so|dylib|dll)[\w.]*): cannot open shared object file/i.exec(message);
  if (missingLibrary) {
    return `${packageName} is installed but libtensorflow is missing (${missingLibrary[1]} not found). Fix: ${rebuild}`;
  }
  const otherLibrary = /([\w.+-]+\.so[\w.]*): cannot open shared object file/i.exec(message);
  if (otherLibrary) {
    return `${packageName} cannot load: the shared library ${otherLibrary[1]} is missing (${firstLine}). Install the library that provides it, or fix LD_LIBRARY_PATH`;
  }
  const missingModule = /Cannot find (?:module|package) '([^']+)'/.exec(message);
  if (missingModule) {
    return `${packageName} is installed but its dependency ${missingModule[1]} is missing. Fix: npm install ${packageName}@${installedVersion(packageName) ?? 'latest'}`;
  }
  if (/GLIBC|version `[^']+' not found/.test(message)) {
    return `${packageName}'s libtensorflow needs a newer C library than this system has: ${firstLine}`;
  }
  return `${packageName} failed to load: ${firstLine}`;
}

export function libtensorflowVersion(tf: typeof tfc): string | undefined {
  const backend = tf.findBackend('tensorflow') as { binding?: { TF_Version?: unknown } } | null;
  const version = backend?.binding?.TF_Version;
  return typeof version === 'string' ? version : undefined;
}

function readVersions(loaded: unknown): Record<string, string> {
  if (typeof loaded !== 'object' || loaded === null) return {};
  const version = (loaded as { version?: unknown }).version;
  if (typeof version !== 'object' || version === null) return {};
  return Object.fromEntries(Object.entries(version).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
