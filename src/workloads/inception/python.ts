import { existsSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic-write.js';
import path from 'node:path';
import type { PythonSession } from '../../engines/python/session.js';
import { MlcheckError, RequirementError } from '../../util/errors.js';
import { quantile } from '../../util/statistics.js';
import { runInstalledExample } from '../installed/run-example.js';
import { kitNumber, kitNumbers, readFloat32File, runKit } from '../python-kit.js';
import type { WorkloadContext, WorkloadRun } from '../types.js';
import { labelMatches, topK, type Prediction } from './classifier.js';
import { createLabelFileResolver } from './label-files.js';
import { loadClassNames, shortName } from './labels.js';
import { INCEPTION_V3_ID, loadModelRegistry } from './model-registry.js';
import { IMAGES_DATASET, LABELS_DATASET } from './onnx.js';
import { preprocessImage } from './preprocess.js';
import { defaultModelDirs, resolveModel } from './resolve-model.js';
import type { ModelSidecar } from './sidecar.js';
import { inceptionTiming } from './defaults.js';
import { minScoreFor } from './score-floor.js';

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
 * classifier given by --model on the images mlcheck preprocessed as its sidecar says. Expected
 * labels, metrics and thresholds are the onnx workload's.
 */
export const inceptionPython: WorkloadRun<PythonSession> = async (session, ctx) => {
  if (session.kit === 'installed') return runInstalledExample(session, ctx, 'inception');
  const expectations = ctx.expectedLabels ?? [];
  if (expectations.length === 0) throw new MlcheckError('internal', `inception was given no expected labels for profile ${ctx.profile}`);
  const labelFiles = await ctx.data.files(LABELS_DATASET).catch((error: unknown) => {
    if (error instanceof RequirementError) return {} as Record<string, string>;
    throw error;
  });
  const labelDirs = [...new Set(Object.values(labelFiles).map((f) => path.dirname(f)))];
  const model = session.framework === 'tensorflow' ? findTensorflowGraph(ctx, labelDirs) : await findTorchScriptModel(ctx, labelDirs);
  const classNames = await loadClassNames(model.sidecar, createLabelFileResolver({ modelFile: model.file, sidecarFile: model.sidecar.source, datasetFiles: labelFiles }));
  const images = await ctx.data.files(IMAGES_DATASET);
  const imageFiles = expectations.map((expectation) => {
    const file = images[expectation.image];
    if (!file) throw new RequirementError(`dataset ${IMAGES_DATASET} has no image "${expectation.image}" (references/expected-labels.yaml)`);
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
  const results = expectations.map((expectation, i) => {
    const top5: Prediction[] = topK(scores, classNames, 5, i * out.classes, out.classes);
    const best = top5[0]!;
    const minScore = minScoreFor(expectation, model.sidecar.id);
    const passed = labelMatches(best.label, expectation.top1) && best.score >= minScore;
    lines.push(`${path.basename(imageFiles[i]!)}:`, ...top5.map((p) => `${shortName(p.label)} (score = ${p.score.toFixed(5)})`));
    if (!passed) lines.push(`  expected top-1: ${expectation.top1.join(' | ')}${minScore ? ` with score >= ${minScore} (${model.sidecar.id})` : ''}`);
    return { image: expectation.image, file: imageFiles[i]!, expected: expectation.top1, minScore, passed, top5 };
  });
  lines.push(`where it ran: ${out.placement}`);
  const latencies = kitNumbers(out.latencyMs);
  const missed = results.filter((r) => !r.passed);
  return {
    metrics: {
      top1_score: { value: results[0]!.top5[0]!.score, unit: '' },
      expected_labels_missed: { value: missed.length, unit: 'images' },
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
    details: { predictions: results, placement: out.placement, ...(missed.length > 0 && { missed: missed.map((r) => `${r.image}: top-1 ${shortName(r.top5[0]!.label)} ${r.top5[0]!.score.toFixed(5)}, expected ${r.expected.join(' | ')}`) }) },
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
