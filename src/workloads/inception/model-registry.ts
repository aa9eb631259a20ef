import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { MlcheckError } from '../../util/errors.js';
import { packageRoot } from '../../util/package-info.js';
import { validateSidecar, type ModelSidecar } from './sidecar.js';

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
}

export const defaultModelDir = path.join(packageRoot, 'models');

export function loadModelRegistry(dir: string = defaultModelDir): ModelEntry[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => parseModelEntry(readFileSync(path.join(dir, name), 'utf8'), path.join(dir, name)));
}

export function parseModelEntry(text: string, source: string): ModelEntry {
  const raw = parse(text) as Record<string, unknown>;
  const problem = (what: string): never => {
    throw new MlcheckError('internal', `${source}: ${what}`, { file: source });
  };
  const sidecar = validateSidecar(raw, source);
  const sha = (value: unknown, key: string): string | null => (value === null || value === undefined ? null : typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? value : problem(`"${key}" must be 64 lowercase hex digits or null`));
  const src = (raw.source ?? {}) as Record<string, unknown>;
  if (typeof raw.file !== 'string') problem('"file" must name the .onnx file');
  if (typeof src.url !== 'string') problem('"source.url" must be the canonical download URL');
  return {
    sidecar,
    file: raw.file as string,
    sha256: sha(raw.sha256, 'sha256'),
    size: typeof raw.size === 'number' ? raw.size : null,
    source: { url: src.url as string, sha256: sha(src.sha256, 'source.sha256'), license: typeof src.license === 'string' ? src.license : 'unknown' },
    staging: Array.isArray(raw.staging) ? raw.staging.map(String) : [],
    isDefault: raw.default === true,
  };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
