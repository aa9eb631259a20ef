import { createHash } from 'node:crypto';
import { createReadStream, readdirSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../util/package-info.js';
import { readConfigFile, type ConfigFileKind } from '../../util/schema-check.js';
import { sidecarFrom, type ModelSidecar, type SidecarDocument } from './sidecar.js';

/** A known model (models/*.yaml): its sidecar plus where it comes from and how to stage it. */
export interface ModelEntry {
  sidecar: ModelSidecar;
  /** The file name it is stored under in a data dir (imagenet/) or the model cache. */
  file: string;
  /** sha256 of the .onnx file; null when the ONNX file is produced locally by a conversion. */
  sha256: string | null;
  size: number | null;
  /** The canonical source (URL and its checksum) and licence. */
  source: { url: string; sha256: string | null; license: string };
  /** The commands that stage the model, shown when it is missing. */
  staging: readonly string[];
  /** The model `inception` runs when no --model is given. */
  isDefault: boolean;
  /** Shipped in the package (datasets/imagenet/): run when the default model is not staged. */
  isShipped: boolean;
}

export const defaultModelDir = path.join(packageRoot, 'models');

/** The manual's model (classify_image.py's Inception-v3 of 2015-12-05), as its registry entry names it. */
export const INCEPTION_V3_ID = 'inception_v3_2015_12_05';

export function loadModelRegistry(dir: string = defaultModelDir): ModelEntry[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => readModelEntry(path.join(dir, name)));
}

/** A registry entry as written: a sidecar plus where the model comes from (schema/model-registry-entry.schema.json). */
interface ModelEntryDocument extends SidecarDocument {
  file: string;
  sha256?: string | null;
  size?: number | null;
  source: { url: string; sha256?: string | null; license?: string };
  staging?: string[];
  default?: boolean;
  shipped?: boolean;
}

const REGISTRY_ENTRY: ConfigFileKind = { schema: 'model-registry-entry', what: 'model registry entry', fix: 'see models/mobilenet_v2_1.0_224.yaml in the mlcheck package for a complete example' };

export function readModelEntry(file: string): ModelEntry {
  const entry = readConfigFile<ModelEntryDocument>(file, REGISTRY_ENTRY);
  return {
    sidecar: sidecarFrom(entry, file),
    file: entry.file,
    sha256: entry.sha256 ?? null,
    size: entry.size ?? null,
    source: { url: entry.source.url, sha256: entry.source.sha256 ?? null, license: entry.source.license ?? 'unknown' },
    staging: entry.staging ?? [],
    isDefault: entry.default === true,
    isShipped: entry.shipped === true,
  };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
