import { existsSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic-write.js';
import path from 'node:path';
import type { PythonSession } from '../../engines/python/session.js';
import { MlcheckError, RequirementError } from '../../util/errors.js';
import { quantile } from '../../util/statistics.js';
import { runInstalledExample } from '../installed/run-example.js';
import { kitNumber, kitNumbers, readFloat32File, runKit } from '../python-kit.js';
import type { ClassifiedImage, WorkloadContext, WorkloadRun } from '../types.js';
import { topK } from './classifier.js';
import { createLabelFileResolver } from './label-files.js';
import { loadClassNames, shortName } from './labels.js';
import { INCEPTION_V3_ID, loadModelRegistry } from './model-registry.js';
import { IMAGES_DATASET, LABELS_DATASET } from './onnx.js';
import { preprocessImage } from './preprocess.js';
import { defaultModelDirs, resolveModel } from './resolve-model.js';
import type { ModelSidecar } from './sidecar.js';
import { inceptionTiming } from './defaults.js';

/** classify_image.py's graph, from the archive the manual downloads (inception-2015-12-05.tgz). */
export const TENSORFLOW_INCEPTION_GRAPH = 'classify_image_graph_def.pb';
const TORCHSCRIPT_EXTENSIONS = ['.pt', '.pth', '.ts', '.torchscript', '.ptl'];

interface InceptionKitOutput {
  classes: number;
  modelLoadMs: unknown;
  latencyMs: unknown[];
  throughput: unknown;
  onRequestedDevice: boolean;
  placement: string;
}

/**
 * The manual's classify_image.py check on the node's framework: TensorFlow runs the 2015
 * Inception-v3 graph on the images' own bytes, as the script does; PyTorch runs the TorchScript
 * classifier given by --model on the images mlcheck preprocessed as its sidecar says. It returns
 * the onnx workload's metrics and top-5 per image, which the same expected labels judge.
 */
export const inceptionPython: WorkloadRun<PythonSession> = async (session, ctx) => {
  if (session.kit === 'installed') return runInstalledExample(session, ctx, 'inception');
  const imageKeys = ctx.images ?? [];
  if (imageKeys.length === 0) throw new MlcheckError('internal', `inception was given no images to classify for profile ${ctx.profile}`);
  const labelFiles = await ctx.data.files(LABELS_DATASET).catch((error: unknown) => {
    if (error instanceof RequirementError) return {} as Record<string, string>;
    throw error;
  });
  const labelDirs = [...new Set(Object.values(labelFiles).map((f) => path.dirname(f)))];
  const model = session.framework === 'tensorflow' ? findTensorflowGraph(ctx, labelDirs) : await findTorchScriptModel(ctx, labelDirs);
  const classNames = await loadClassNames(model.sidecar, createLabelFileResolver({ modelFile: model.file, sidecarFile: model.sidecar.source, datasetFiles: labelFiles }));
  const images = await ctx.data.files(IMAGES_DATASET);
  const imageFiles = imageKeys.map((image) => {
    const file = images[image];
    if (!file) throw new RequirementError(`dataset ${IMAGES_DATASET} has no image "${image}" (references/expected-labels.yaml)`);
    return file;
  });

  const scoresFile = path.join(ctx.outDir, 'inception-scores.f32');
  const imagesFile = path.join(ctx.outDir, 'inception-images.f32');
  const timing = inceptionTiming(ctx.params);
  const { input, output } = model.sidecar;
  let inputs: Record<string, unknown>;
  if (session.framework === 'tensorflow') {
    inputs = { model: model.file, imageFiles, scoresOut: scoresFile, ...timing };
  } else {
    const tensors = await Promise.all(imageFiles.map((file) => preprocessImage(file, model.sidecar)));
    writeFileAtomic(imagesFile, Buffer.concat(tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))));
    const imageShape = input.layout === 'NHWC' ? [input.height, input.width, 3] : [3, input.height, input.width];
    inputs = { model: model.file, images: imagesFile, count: imageFiles.length, imageShape, outputName: output.name, outputKind: output.kind, scoresOut: scoresFile, ...timing };
  }
  let out: InceptionKitOutput;
  let scores: Float32Array;
  try {
    out = (await runKit(session, ctx, 'inception', { params: {}, inputs })) as InceptionKitOutput;
    scores = readFloat32File(scoresFile);
  } finally {
    rmSync(imagesFile, { force: true });
    rmSync(scoresFile, { force: true });
  }
  if (out.classes !== output.classes || scores.length !== out.classes * imageFiles.length) {
    throw new MlcheckError('data', `model ${model.file} gave ${out.classes} scores per image; its sidecar ${model.sidecar.source} says ${output.classes}`, { file: model.file, fix: `correct output.classes in ${model.sidecar.source}, or use the model it describes` });
  }

  const lines: string[] = [`model: ${model.sidecar.id}`];
  const results = imageKeys.map((image, i): ClassifiedImage => {
    const top5 = topK(scores, classNames, 5, i * out.classes, out.classes);
    lines.push(`${path.basename(imageFiles[i]!)}:`, ...top5.map((p) => `${shortName(p.label)} (score = ${p.score.toFixed(5)})`));
    return { image, file: imageFiles[i]!, top5, linesEnd: lines.length };
  });
  lines.push(`where it ran: ${out.placement}`);
  const latencies = kitNumbers(out.latencyMs);
  return {
    metrics: {
      top1_score: { value: results[0]!.top5[0]!.score, unit: '' },
      latency_ms_median: { value: quantile(latencies, 0.5), unit: 'ms' },
      latency_ms_p95: { value: quantile(latencies, 0.95), unit: 'ms' },
      throughput_images_per_s: { value: kitNumber(out.throughput), unit: 'images/s' },
      model_load_ms: { value: kitNumber(out.modelLoadMs), unit: 'ms' },
      ran_on_requested_device: { value: out.onRequestedDevice ? 1 : 0, unit: '' },
    },
    hyperparameters: {
      model: model.file,
      modelId: model.sidecar.id,
      sidecar: model.sidecar.source,
      framework: session.framework,
      input: session.framework === 'tensorflow' ? 'image file bytes (DecodeJpeg), as classify_image.py feeds them' : `${input.layout} ${input.height}x${input.width} ${input.channels}`,
      ...timing,
    },
    lines,
    classifications: { modelId: model.sidecar.id, images: results },
    details: { placement: out.placement },
  };
};

/** --model FILE.pb, else classify_image_graph_def.pb beside the label maps or in the model folders. */
function findTensorflowGraph(ctx: WorkloadContext, labelDirs: readonly string[]): { file: string; sidecar: ModelSidecar } {
  const entry = loadModelRegistry().find((e) => e.sidecar.id === INCEPTION_V3_ID);
  if (!entry) throw new MlcheckError('internal', `the model registry has no ${INCEPTION_V3_ID}`);
  const given = typeof ctx.params.model === 'string' && ctx.params.model.endsWith('.pb') ? ctx.params.model : null;
  const searched = [...labelDirs, ...defaultModelDirs()];
  const file = given ?? searched.map((dir) => path.join(dir, TENSORFLOW_INCEPTION_GRAPH)).find((candidate) => existsSync(candidate));
  if (file === undefined || !existsSync(file)) {
    throw new RequirementError(`TensorFlow's Inception-v3 graph ${TENSORFLOW_INCEPTION_GRAPH} (classify_image.py, 2015-12-05) is not staged`, {
      expected: `${TENSORFLOW_INCEPTION_GRAPH} in one of: ${searched.join(', ')}`,
      fix: [entry.staging[0] ?? 'download inception-2015-12-05.tgz and extract it', `copy ${TENSORFLOW_INCEPTION_GRAPH} into <data dir>/imagenet/ beside the label maps, or pass --model /path/to/${TENSORFLOW_INCEPTION_GRAPH}`],
    });
  }
  return { file, sidecar: entry.sidecar };
}

/** PyTorch has no Inception-v3 of the manual's: the operator names a TorchScript classifier with its sidecar. */
async function findTorchScriptModel(ctx: WorkloadContext, labelDirs: readonly string[]): Promise<{ file: string; sidecar: ModelSidecar }> {
  const given = typeof ctx.params.model === 'string' && ctx.params.model !== '' ? ctx.params.model : null;
  if (given === null || !TORCHSCRIPT_EXTENSIONS.some((extension) => given.endsWith(extension))) {
    throw new RequirementError(`inception on PyTorch needs an ImageNet classifier as TorchScript${given !== null ? `, not ${path.basename(given)}` : ''}`, {
      expected: `--model FILE (${TORCHSCRIPT_EXTENSIONS.join(', ')}) with its sidecar FILE.yaml or FILE.json (input, normalisation, labels, output)`,
      fix: ['torch.jit.script(model).save("classifier.pt") on a machine with the model, then copy models/mobilenet_v2_1.0_224.yaml from the mlcheck package to classifier.pt.yaml and edit it'],
    });
  }
  const resolved = await resolveModel({ model: given, ...(typeof ctx.params.sidecar === 'string' && ctx.params.sidecar !== '' && { sidecar: ctx.params.sidecar }), searchDirs: labelDirs });
  return { file: resolved.file, sidecar: resolved.sidecar };
}
