import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { MlcheckError, UsageError } from '../util/errors.js';
import { packageRoot } from '../util/package-info.js';
import type { DatasetFileManifest, DatasetManifest } from './types.js';

export const defaultManifestDir = path.join(packageRoot, 'datasets');

export interface Registry {
  list(): readonly DatasetManifest[];
  /** Throws UsageError naming the known ids when `id` is unknown. */
  get(id: string): DatasetManifest;
}

const SHA256 = /^[0-9a-f]{64}$/;

function checkFile(source: string, key: string, file: DatasetFileManifest): void {
  const problem = (what: string): never => {
    throw new MlcheckError('internal', `${source}: files.${key}: ${what}`, { file: source });
  };
  if (typeof file.name !== 'string' || file.name === '' || file.name.includes('/')) problem('"name" must be a plain file name');
  if (typeof file.sha256 !== 'string' || !SHA256.test(file.sha256)) problem('"sha256" must be 64 lowercase hex digits (of the decompressed content)');
  if (!Number.isSafeInteger(file.size) || file.size < 0) problem('"size" must be the decompressed size in bytes');
  if (!Array.isArray(file.urls) || file.urls.some((url) => typeof url !== 'string')) problem('"urls" must be a list of URLs');
  if (file.aliases !== undefined && (!Array.isArray(file.aliases) || file.aliases.some((alias) => typeof alias !== 'string' || alias.includes('/')))) problem('"aliases" must be plain file names');
}

/** Parses and checks one manifest; `source` names it in errors. */
export function parseManifest(text: string, source: string): DatasetManifest {
  let manifest: DatasetManifest;
  try {
    manifest = JSON.parse(text) as DatasetManifest;
  } catch (error) {
    throw new MlcheckError('internal', `${source}: not valid JSON (${(error as Error).message})`, { file: source, cause: error });
  }
  const problem = (what: string): never => {
    throw new MlcheckError('internal', `${source}: ${what}`, { file: source });
  };
  if (typeof manifest !== 'object' || manifest === null) problem('must be a JSON object');
  if (typeof manifest.id !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(manifest.id)) problem('"id" must be a lowercase identifier');
  if (typeof manifest.title !== 'string') problem('"title" must be a string');
  if (typeof manifest.directory !== 'string' || manifest.directory === '' || manifest.directory.includes('/')) problem('"directory" must be a folder name');
  if (manifest.systemPaths !== undefined && (!Array.isArray(manifest.systemPaths) || manifest.systemPaths.some((p) => typeof p !== 'string' || !path.isAbsolute(p)))) problem('"systemPaths" must be absolute paths');
  if (typeof manifest.files !== 'object' || manifest.files === null || Object.keys(manifest.files).length === 0) problem('"files" must map file keys to files');
  for (const [key, file] of Object.entries(manifest.files)) checkFile(source, key, file);
  return manifest;
}

export function createRegistry(manifests: readonly DatasetManifest[]): Registry {
  const byId = new Map(manifests.map((manifest) => [manifest.id, manifest]));
  return {
    list: () => [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)),
    get(id) {
      const manifest = byId.get(id);
      if (!manifest) {
        throw new UsageError(`unknown dataset "${id}"`, { expected: [...byId.keys()].sort().join(', '), found: id, fix: 'mlcheck datasets list' });
      }
      return manifest;
    },
  };
}

/** Loads every datasets/*.json (the package's manifests unless `dir` is given). */
export function loadRegistry(dir: string = defaultManifestDir): Registry {
  const names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  return createRegistry(names.map((name) => parseManifest(readFileSync(path.join(dir, name), 'utf8'), path.join(dir, name))));
}

let defaultRegistry: Registry | undefined;
export function builtinRegistry(): Registry {
  defaultRegistry ??= loadRegistry();
  return defaultRegistry;
}
