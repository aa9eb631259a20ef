import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { RequirementError } from '../../util/errors.js';
import { checkTrustedPath } from '../../util/trusted-path.js';

export type OrtModule = typeof ort;

export interface LoadedOrt {
  ort: OrtModule;
  /** onnxruntime-node's folder of native files for this platform; provider libraries go here. */
  binDir: string;
  version: string;
}

/**
 * Names an onnxruntime-node package folder to load instead of the one mlcheck depends on (a site's
 * own GPU build, or a copy with its provider libraries). ONNX Runtime loads its execution
 * providers from the folder of its own library, so this also says where they are looked for.
 */
export const ORT_PACKAGE_VARIABLE = 'MLCHECK_ONNXRUNTIME_NODE';

let loaded: Promise<LoadedOrt> | undefined;

/** Imports onnxruntime-node once; a missing package or a native load error becomes a RequirementError. */
export function loadOrt(): Promise<LoadedOrt> {
  loaded ??= (async () => {
    const override = process.env[ORT_PACKAGE_VARIABLE];
    let module: OrtModule;
    try {
      module = override ? (createRequire(import.meta.url)(ortPackageDir()) as OrtModule) : ((await import('onnxruntime-node')) as OrtModule);
    } catch (error) {
      throw new RequirementError(`onnxruntime-node cannot be loaded${override ? ` from ${ORT_PACKAGE_VARIABLE}=${override}` : ''}: ${error instanceof Error ? error.message : String(error)}`, {
        fix: override ? `point ${ORT_PACKAGE_VARIABLE} at an onnxruntime-node package folder (with package.json and bin/), or unset it` : 'npm install onnxruntime-node (mlcheck depends on it; a failed install leaves it out)',
        cause: error,
      });
    }
    const packageDir = ortPackageDir();
    return {
      ort: module,
      binDir: path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch),
      version: module.env.versions.node ?? module.env.versions.common ?? 'unknown',
    };
  })();
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

/** onnxruntime-node's package folder, found without loading the native addon (for `mlcheck setup`). */
export function ortPackageDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[ORT_PACKAGE_VARIABLE];
  if (override) {
    const dir = path.resolve(override);
    if (!existsSync(path.join(dir, 'package.json'))) {
      throw new RequirementError(`${ORT_PACKAGE_VARIABLE}=${override} is not an onnxruntime-node package folder: ${path.join(dir, 'package.json')} does not exist`, {
        file: dir,
        fix: `point ${ORT_PACKAGE_VARIABLE} at the folder with onnxruntime-node's package.json, or unset it`,
      });
    }
    // Root loads native code from it: only from a folder nobody else could have changed.
    const trust = checkTrustedPath(dir);
    if (!trust.trusted) throw new RequirementError(`refusing ${ORT_PACKAGE_VARIABLE}=${override}: ${trust.problem}`, { file: dir, fix: trust.fix });
    return dir;
  }
  return path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
}
