import { existsSync } from 'node:fs';
import path from 'node:path';
import { cacheRoot, packageDataRoot } from '../../datasets/locations.js';
import { DataError, RequirementError, UsageError } from '../../util/errors.js';
import { loadModelRegistry, sha256File, type ModelEntry } from './model-registry.js';
import { readSidecar, sidecarCandidates, type ModelSidecar } from './sidecar.js';

export interface ResolvedModel {
  file: string;
  sidecar: ModelSidecar;
  /** The registry entry the model matched (by sha256, or as the default), if any. */
  entry: ModelEntry | null;
  /** Set when the shipped model ran because the default one is not staged: that default, and where it was looked for. */
  standIn?: { for: ModelEntry; searched: readonly string[] };
}

export interface ResolveModelOptions {
  /** --model FILE; undefined: the registry's default model. */
  model?: string;
  /** An explicit sidecar file; undefined: `<model>.json|.yaml` beside it, then the registry by sha256. */
  sidecar?: string;
  /** Folders the default model is looked for in (a data dir's imagenet/, the cache). */
  searchDirs?: readonly string[];
  registry?: readonly ModelEntry[];
  /** For the cache and the package's folders (MLCHECK_PACKAGE_DATA_DIR); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function resolveModel(options: ResolveModelOptions): Promise<ResolvedModel> {
  const registry = options.registry ?? loadModelRegistry();
  if (options.model !== undefined) return resolveGivenModel(path.resolve(options.model), options.sidecar, registry);

  const entry = registry.find((e) => e.isDefault);
  if (!entry) throw new UsageError('no --model given and the model registry has no default model', { fix: 'pass --model FILE' });
  const env = options.env ?? process.env;
  const searchDirs = [...new Set([...(options.searchDirs ?? []), ...defaultModelDirs(env)])];
  const file = findIn(searchDirs, entry.file);
  if (file) {
    if (entry.sha256 !== null) await verifyChecksum(file, entry.sha256);
    return { file, sidecar: options.sidecar !== undefined ? readSidecar(options.sidecar) : entry.sidecar, entry };
  }
  // The manual's model needs a conversion that cannot ship; the package's own classifier keeps an air-gapped node checkable.
  const shipped = registry.find((e) => e.isShipped && e !== entry);
  const shippedDirs = [...new Set([...searchDirs, ...shippedModelDirs(env)])];
  const shippedFile = shipped ? findIn(shippedDirs, shipped.file) : undefined;
  if (shipped && shippedFile) {
    if (shipped.sha256 !== null) await verifyChecksum(shippedFile, shipped.sha256);
    return { file: shippedFile, sidecar: shipped.sidecar, entry: shipped, standIn: { for: entry, searched: searchDirs } };
  }
  throw new RequirementError(`the default model ${entry.sidecar.id} (${entry.file}) is not staged${shipped ? `, nor the shipped ${shipped.sidecar.id} (${shipped.file})` : ''}`, {
    expected: `${entry.file} in one of: ${searchDirs.join(', ')}${shipped ? `; or ${shipped.file} in one of: ${shippedDirs.join(', ')}` : ''}`,
    fix: [...entry.staging, `or run with --model FILE (e.g. the test model mobilenet_v2_1.0_224.onnx)`, ...(shipped ? [`or reinstall mlcheck: its package ships ${shipped.file} in datasets/imagenet/`] : [])],
  });
}

function findIn(dirs: readonly string[], name: string): string | undefined {
  return dirs.map((dir) => path.join(dir, name)).find((candidate) => existsSync(candidate));
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

/** Where the package's own model is: imagenet/ in its datasets/ (or MLCHECK_PACKAGE_DATA_DIR); none when that is turned off. */
export function shippedModelDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const root = packageDataRoot({ env });
  return root ? [path.join(root.dir, 'imagenet')] : [];
}
