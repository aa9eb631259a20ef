import { existsSync } from 'node:fs';
import path from 'node:path';
import { cacheRoot } from '../../datasets/locations.js';
import { DataError, RequirementError, UsageError } from '../../util/errors.js';
import { loadModelRegistry, sha256File, type ModelEntry } from './model-registry.js';
import { readSidecar, sidecarCandidates, type ModelSidecar } from './sidecar.js';

export interface ResolvedModel {
  file: string;
  sidecar: ModelSidecar;
  /** The registry entry the model matched (by sha256, or as the default), if any. */
  entry: ModelEntry | null;
}

export interface ResolveModelOptions {
  /** --model FILE; undefined: the registry's default model. */
  model?: string;
  /** An explicit sidecar file; undefined: `<model>.json|.yaml` beside it, then the registry by sha256. */
  sidecar?: string;
  /** Folders the default model is looked for in (a data dir's imagenet/, the cache). */
  searchDirs?: readonly string[];
  registry?: readonly ModelEntry[];
}

export async function resolveModel(options: ResolveModelOptions): Promise<ResolvedModel> {
  const registry = options.registry ?? loadModelRegistry();
  if (options.model !== undefined) return resolveGivenModel(path.resolve(options.model), options.sidecar, registry);

  const entry = registry.find((e) => e.isDefault);
  if (!entry) throw new UsageError('no --model given and the model registry has no default model', { fix: 'pass --model FILE' });
  const searchDirs = [...(options.searchDirs ?? []), ...defaultModelDirs()];
  const file = searchDirs.map((dir) => path.join(dir, entry.file)).find((candidate) => existsSync(candidate));
  if (!file) {
    throw new RequirementError(`the default model ${entry.sidecar.id} (${entry.file}) is not staged`, {
      expected: `${entry.file} in one of: ${searchDirs.join(', ')}`,
      fix: [...entry.staging, `or run with --model FILE (e.g. the test model mobilenet_v2_1.0_224.onnx)`],
    });
  }
  if (entry.sha256 !== null) await verifyChecksum(file, entry.sha256);
  return { file, sidecar: options.sidecar !== undefined ? readSidecar(options.sidecar) : entry.sidecar, entry };
}

async function resolveGivenModel(file: string, sidecarFile: string | undefined, registry: readonly ModelEntry[]): Promise<ResolvedModel> {
  if (!existsSync(file)) throw new UsageError(`model file ${file} does not exist`, { file, fix: 'pass the path of an .onnx file with --model' });
  if (sidecarFile !== undefined) return { file, sidecar: readSidecar(path.resolve(sidecarFile)), entry: null };
  const beside = sidecarCandidates(file).find((candidate) => existsSync(candidate));
  if (beside) return { file, sidecar: readSidecar(beside), entry: null };
  const digest = await sha256File(file);
  const entry = registry.find((e) => e.sha256 === digest);
  if (entry) return { file, sidecar: entry.sidecar, entry };
  throw new UsageError(`no sidecar for model ${file}: mlcheck needs to know its input and labels`, {
    file,
    expected: `one of ${sidecarCandidates(file).map((c) => path.basename(c)).join(', ')} beside the model, or a registry entry with sha256 ${digest}`,
    fix: 'copy models/mobilenet_v2_1.0_224.yaml from the mlcheck package to <model>.yaml and edit input, crop, labels and output',
  });
}

async function verifyChecksum(file: string, expected: string): Promise<void> {
  const digest = await sha256File(file);
  if (digest !== expected) {
    throw new DataError(`${file} does not have the registry's checksum (incomplete download or a different model)`, { file, expected: `sha256 ${expected}`, found: `sha256 ${digest}`, fix: 'stage the model again' });
  }
}

/** The model cache: imagenet/ in mlcheck's cache (datasets/locations.ts decides where that is). */
export function defaultModelDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [path.join(cacheRoot({ env }).dir, 'imagenet')];
}
