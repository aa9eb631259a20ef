import path from 'node:path';
import { readConfigFile, type ConfigFileKind } from '../../util/schema-check.js';

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

/** A sidecar or registry entry as written (schema/model.schema.json has checked every key). */
export interface SidecarDocument {
  id: string;
  title?: string;
  input: Omit<ModelSidecar['input'], 'height' | 'width' | 'mean' | 'std'> & { size: [number, number]; normalization: { mean: [number, number, number]; std: [number, number, number] } };
  crop?: { kind: ModelSidecar['crop']['kind']; fraction?: number };
  resize?: ModelSidecar['resize'];
  labels: Omit<ModelSidecar['labels'], 'offset'> & { offset?: number };
  output: ModelSidecar['output'];
}

export const SIDECAR_FILE: ConfigFileKind = { schema: 'model', what: 'model sidecar', fix: 'see models/mobilenet_v2_1.0_224.yaml in the mlcheck package for a complete example' };

export function readSidecar(file: string): ModelSidecar {
  return sidecarFrom(readConfigFile<SidecarDocument>(file, SIDECAR_FILE), file);
}

/** The sidecar of a checked document, with the defaults of what it may leave out (no crop, PIL's bilinear resize, label offset 0). */
export function sidecarFrom(document: SidecarDocument, source: string): ModelSidecar {
  const { input, labels, crop } = document;
  return {
    source,
    id: document.id,
    title: document.title ?? document.id,
    input: { name: input.name, layout: input.layout, height: input.size[0], width: input.size[1], channels: input.channels, mean: input.normalization.mean, std: input.normalization.std },
    crop: crop?.kind === 'central-fraction' ? { kind: 'central-fraction', fraction: crop.fraction! } : { kind: crop?.kind ?? 'none' },
    resize: document.resize ?? 'bilinear',
    labels:
      labels.kind === 'lines'
        ? { kind: 'lines', file: labels.file!, offset: labels.offset ?? 0 }
        : { kind: 'inception-synsets', labelMap: labels.labelMap!, synsets: labels.synsets!, offset: labels.offset ?? 0 },
    output: { name: document.output.name, kind: document.output.kind, classes: document.output.classes },
  };
}

/** Sidecar files looked for beside a model, in order. */
export function sidecarCandidates(modelFile: string): string[] {
  const base = modelFile.replace(/\.onnx$/i, '');
  return [`${modelFile}.json`, `${modelFile}.yaml`, `${base}.json`, `${base}.yaml`, `${base}.yml`].filter((candidate) => candidate !== modelFile).map((c) => path.resolve(c));
}
