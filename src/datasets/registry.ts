import { readdirSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../util/errors.js';
import { parseConfigText, readConfigFile, type ConfigFileKind } from '../util/schema-check.js';
import { packageRoot } from '../util/package-info.js';
import type { DatasetManifest } from './types.js';

export const defaultManifestDir = path.join(packageRoot, 'datasets');

export interface Registry {
  list(): readonly DatasetManifest[];
  /** Throws UsageError naming the known ids when `id` is unknown. */
  get(id: string): DatasetManifest;
}

const MANIFEST: ConfigFileKind = { schema: 'dataset', what: 'dataset manifest', fix: 'see datasets/README.md and schema/dataset.schema.json in the mlcheck package' };

/** Parses and checks one manifest (schema/dataset.schema.json); `source` names it in errors. */
export function parseManifest(text: string, source: string): DatasetManifest {
  return parseConfigText<DatasetManifest>(text, source, MANIFEST);
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
  return createRegistry(names.map((name) => readConfigFile<DatasetManifest>(path.join(dir, name), MANIFEST)));
}

let defaultRegistry: Registry | undefined;
export function builtinRegistry(): Registry {
  defaultRegistry ??= loadRegistry();
  return defaultRegistry;
}
