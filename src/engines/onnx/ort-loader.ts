import { createRequire } from 'node:module';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { RequirementError } from '../../util/errors.js';

export type OrtModule = typeof ort;

export interface LoadedOrt {
  ort: OrtModule;
  /** onnxruntime-node's folder of native files for this platform; provider libraries go here. */
  binDir: string;
  version: string;
}

let loaded: Promise<LoadedOrt> | undefined;

/** Imports onnxruntime-node once; a missing package or a native load error becomes a RequirementError. */
export function loadOrt(): Promise<LoadedOrt> {
  loaded ??= (async () => {
    let module: OrtModule;
    try {
      module = (await import('onnxruntime-node')) as OrtModule;
    } catch (error) {
      throw new RequirementError(`onnxruntime-node cannot be loaded: ${error instanceof Error ? error.message : String(error)}`, {
        fix: 'npm install onnxruntime-node (mlcheck depends on it; a failed install leaves it out)',
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

/** onnxruntime-node's bin folder, found without loading the native addon (for `mlcheck setup`). */
export function ortPackageDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
}
