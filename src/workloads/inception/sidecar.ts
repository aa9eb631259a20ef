import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../util/errors.js';

/**
 * How to feed an image classifier and read its output: the sidecar file beside a model
 * (`<model>.json` / `.yaml`) or a registry entry in models/. Everything the image pipeline
 * does is stated here, so a drift in scores points at the data, not at hidden defaults.
 */
export interface ModelSidecar {
  /** Where the sidecar came from (for error messages). */
  source: string;
  id: string;
  title: string;
  input: {
    name: string;
    layout: 'NHWC' | 'NCHW';
    height: number;
    width: number;
    channels: 'RGB' | 'BGR';
    /** x = (pixel - mean[c]) / std[c], pixel in 0..255. */
    mean: [number, number, number];
    std: [number, number, number];
  };
  /** central-square: the centred square of side min(w, h); central-fraction: that square's centred fraction; none: the whole image. */
  crop: { kind: 'central-square' } | { kind: 'central-fraction'; fraction: number } | { kind: 'none' };
  /** bilinear: PIL's BILINEAR (antialiased when shrinking); bilinear-asymmetric: TF1's ResizeBilinear (Inception-v3's graph). */
  resize: 'bilinear' | 'bilinear-asymmetric';
  labels: {
    /** lines: one class name per line; inception-synsets: the .pbtxt target_class map plus the synset-to-name map. */
    kind: 'lines' | 'inception-synsets';
    /** File names (lines: `file`; inception-synsets: `labelMap` + `synsets`), resolved beside the model, the sidecar, then the imagenet-labels dataset. */
    file?: string;
    labelMap?: string;
    synsets?: string;
    /** Outputs before the first label line (1 when the model has a background class the file lacks). */
    offset: number;
  };
  output: { name: string; kind: 'softmax' | 'logits'; classes: number };
}

export function readSidecar(file: string): ModelSidecar {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read model sidecar ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  return validateSidecar(raw, file);
}

export function validateSidecar(raw: unknown, source: string): ModelSidecar {
  const fail = (key: string, expected: string, found: unknown): never => {
    throw new UsageError(`invalid model sidecar ${source} at ${key}`, {
      file: source,
      expected,
      found: JSON.stringify(found) ?? 'nothing',
      fix: `see models/mobilenet_v2_1.0_224.yaml in the mlcheck package for a complete example`,
    });
  };
  const record = (value: unknown, key: string): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(key, 'a mapping', value);
  const positiveInteger = (value: unknown, key: string): number => (Number.isInteger(value) && (value as number) > 0 ? (value as number) : fail(key, 'a positive whole number', value));
  const triple = (value: unknown, key: string): [number, number, number] =>
    Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (value as [number, number, number]) : fail(key, 'three numbers, one per channel', value);
  const oneOf = <T extends string>(value: unknown, key: string, choices: readonly T[]): T => (choices.includes(value as T) ? (value as T) : fail(key, choices.join(' | '), value));
  const text = (value: unknown, key: string): string => (typeof value === 'string' && value.length > 0 ? value : fail(key, 'a non-empty string', value));

  const top = record(raw, '(top level)');
  const input = record(top.input, 'input');
  const size = Array.isArray(input.size) ? input.size : fail('input.size', '[height, width]', input.size);
  const normalization = record(input.normalization, 'input.normalization');
  const crop = record(top.crop ?? { kind: 'none' }, 'crop');
  const cropKind = oneOf(crop.kind, 'crop.kind', ['central-square', 'central-fraction', 'none'] as const);
  const fraction = cropKind === 'central-fraction' ? (typeof crop.fraction === 'number' && crop.fraction > 0 && crop.fraction <= 1 ? crop.fraction : fail('crop.fraction', 'a number in (0, 1]', crop.fraction)) : 1;
  const labels = record(top.labels, 'labels');
  const labelKind = oneOf(labels.kind, 'labels.kind', ['lines', 'inception-synsets'] as const);
  const output = record(top.output, 'output');
  const offset = labels.offset ?? 0;
  if (!Number.isInteger(offset) || (offset as number) < 0) fail('labels.offset', 'a whole number >= 0', offset);

  return {
    source,
    id: text(top.id, 'id'),
    title: typeof top.title === 'string' ? top.title : text(top.id, 'id'),
    input: {
      name: text(input.name, 'input.name'),
      layout: oneOf(input.layout, 'input.layout', ['NHWC', 'NCHW'] as const),
      height: positiveInteger(size[0], 'input.size[0]'),
      width: positiveInteger(size[1], 'input.size[1]'),
      channels: oneOf(input.channels, 'input.channels', ['RGB', 'BGR'] as const),
      mean: triple(normalization.mean, 'input.normalization.mean'),
      std: triple(normalization.std, 'input.normalization.std'),
    },
    crop: cropKind === 'central-fraction' ? { kind: cropKind, fraction } : { kind: cropKind },
    resize: oneOf(top.resize ?? 'bilinear', 'resize', ['bilinear', 'bilinear-asymmetric'] as const),
    labels:
      labelKind === 'lines'
        ? { kind: labelKind, file: text(labels.file, 'labels.file'), offset: offset as number }
        : { kind: labelKind, labelMap: text(labels.labelMap, 'labels.labelMap'), synsets: text(labels.synsets, 'labels.synsets'), offset: offset as number },
    output: {
      name: text(output.name, 'output.name'),
      kind: oneOf(output.kind, 'output.kind', ['softmax', 'logits'] as const),
      classes: positiveInteger(output.classes, 'output.classes'),
    },
  };
}

/** Sidecar files looked for beside a model, in order. */
export function sidecarCandidates(modelFile: string): string[] {
  const base = modelFile.replace(/\.onnx$/i, '');
  return [`${modelFile}.json`, `${modelFile}.yaml`, `${base}.json`, `${base}.yaml`, `${base}.yml`].filter((candidate) => candidate !== modelFile).map((c) => path.resolve(c));
}
