import path from 'node:path';
import type { OnnxSession } from '../../engines/onnx/session.js';
import type { DataAccess } from '../types.js';
import { openClassifier, topK, type Prediction } from './classifier.js';
import { createLabelFileResolver } from './label-files.js';
import { preprocessImage } from './preprocess.js';
import { resolveModel } from './resolve-model.js';
import { LABELS_DATASET } from './onnx.js';

export interface ClassifyImagesOptions {
  session: OnnxSession;
  images: readonly string[];
  /** --model FILE; undefined: the registry's default model. */
  model?: string;
  sidecar?: string;
  data: DataAccess;
  top?: number;
}

export interface ImageClassification {
  file: string;
  predictions: Prediction[];
}

/** `mlcheck classify`: the model's top-N for each image, with nothing judged. */
export async function classifyImages(options: ClassifyImagesOptions): Promise<{ model: string; modelId: string; standInFor: string | null; sidecar: string; results: ImageClassification[] }> {
  const labelFiles = await options.data.files(LABELS_DATASET).catch(() => ({}) as Record<string, string>);
  const model = await resolveModel({
    ...(options.model !== undefined && { model: options.model }),
    ...(options.sidecar !== undefined && { sidecar: options.sidecar }),
    searchDirs: [...new Set(Object.values(labelFiles).map((f) => path.dirname(f)))],
  });
  // Decode every image first: a bad picture is reported before the model takes seconds to load.
  const tensors = [];
  for (const image of options.images) tensors.push(await preprocessImage(path.resolve(image), model.sidecar));
  const classifier = await openClassifier(options.session, model.file, model.sidecar, createLabelFileResolver({ modelFile: model.file, sidecarFile: model.sidecar.source, datasetFiles: labelFiles }));
  try {
    const results: ImageClassification[] = [];
    for (const [index, tensor] of tensors.entries()) {
      results.push({ file: options.images[index]!, predictions: topK(await classifier.scores(tensor, 1), classifier.classNames, options.top ?? 5) });
    }
    return { model: model.file, modelId: model.sidecar.id, standInFor: model.standIn?.for.sidecar.id ?? null, sidecar: model.sidecar.source, results };
  } finally {
    await classifier.close();
  }
}
