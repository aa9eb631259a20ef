import path from 'node:path';
import { describeMisplaced, judgePlacement, type PlacementJudgement } from '../../engines/onnx/placement.js';
import { readNodePlacement } from '../../engines/onnx/profile-file.js';
import type { OnnxSession } from '../../engines/onnx/session.js';
import { MlcheckError, RequirementError } from '../../util/errors.js';
import type { ClassifiedImage, WorkloadContext, WorkloadOutput, WorkloadRun } from '../types.js';
import { openClassifier, topK, type Classifier } from './classifier.js';
import { createLabelFileResolver } from './label-files.js';
import { inceptionTiming } from './defaults.js';
import { preprocessImage } from './preprocess.js';
import { resolveModel, type ResolvedModel } from './resolve-model.js';
import { quantile } from '../../util/statistics.js';

export const IMAGES_DATASET = 'imagenet-images';
export const LABELS_DATASET = 'imagenet-labels';

/** The manual's classify_image.py check: top-5 per image (the runner judges them), latency, throughput, load time. */
export const inceptionOnnx: WorkloadRun<OnnxSession> = async (session, ctx) => {
  // The label maps are optional (a sidecar may name its own labels file), but a corrupt copy is not.
  const labelFiles = await ctx.data.files(LABELS_DATASET).catch((error: unknown) => {
    if (error instanceof RequirementError) return {} as Record<string, string>;
    throw error;
  });
  const labelDirs = [...new Set(Object.values(labelFiles).map((f) => path.dirname(f)))];
  const model = await resolveModel({
    ...(typeof ctx.params.model === 'string' && ctx.params.model !== '' && { model: ctx.params.model }),
    ...(typeof ctx.params.sidecar === 'string' && ctx.params.sidecar !== '' && { sidecar: ctx.params.sidecar }),
    searchDirs: labelDirs,
  });
  ctx.progress({ phase: 'load', message: `loading ${path.basename(model.file)}` });
  const classifier = await openClassifier(session, model.file, model.sidecar, createLabelFileResolver({ modelFile: model.file, sidecarFile: model.sidecar.source, datasetFiles: labelFiles }), {
    profileFilePrefix: path.join(ctx.outDir, 'onnx-profile-inception'),
  });
  try {
    return await evaluate(classifier, session, ctx, model);
  } finally {
    await classifier.close();
  }
};

async function evaluate(classifier: Classifier, session: OnnxSession, ctx: WorkloadContext, model: ResolvedModel): Promise<WorkloadOutput> {
  const modelId = classifier.sidecar.id;
  const imageKeys = ctx.images ?? [];
  if (imageKeys.length === 0) throw new MlcheckError('internal', `inception was given no images to classify for profile ${ctx.profile}`, { fix: 'the runner passes the images references/expected-labels.yaml names; a direct caller sets ctx.images' });
  const images = await ctx.data.files(IMAGES_DATASET);
  const imageSize = classifier.sidecar.input.height * classifier.sidecar.input.width * 3;
  const lines: string[] = modelLines(model);
  const results: ClassifiedImage[] = [];
  const tensors: Float32Array[] = [];
  for (const image of imageKeys) {
    const file = images[image];
    if (!file) throw new RequirementError(`dataset ${IMAGES_DATASET} has no image "${image}" (references/expected-labels.yaml)`);
    const tensor = await preprocessImage(file, classifier.sidecar);
    tensors.push(tensor);
    const top5 = topK(await classifier.scores(tensor, 1), classifier.classNames, 5);
    lines.push(`${path.basename(file)}:`, ...top5.map((p) => `${shortLabel(p.label)} (score = ${p.score.toFixed(5)})`));
    results.push({ image, file, top5, linesEnd: lines.length });
  }
  const first = results[0]!;
  // Where the classifications ran; profiling ends here, so the timings below are not slowed by it.
  const profileFile = classifier.endProfiling();
  const placement = judgePlacement(readNodePlacement(profileFile), session.provider, 'compute-nodes', profileFile);
  lines.push(placementLine(placement), ...describeMisplaced(placement));

  const { warmupRuns: warmup, latencyRuns, batch: batchSize, throughputRuns } = inceptionTiming(ctx.params);
  ctx.progress({ phase: 'latency', message: `batch 1 x ${latencyRuns} runs` });
  for (let i = 0; i < warmup; i++) await classifier.scores(tensors[0]!, 1);
  const latencies: number[] = [];
  for (let i = 0; i < latencyRuns; i++) {
    if (ctx.signal.aborted) break;
    const start = performance.now();
    await classifier.scores(tensors[0]!, 1);
    latencies.push(performance.now() - start);
  }

  const batch = new Float32Array(batchSize * imageSize);
  for (let i = 0; i < batchSize; i++) batch.set(tensors[i % tensors.length]!, i * imageSize);
  ctx.progress({ phase: 'throughput', message: `batch ${batchSize} x ${throughputRuns} runs` });
  await classifier.scores(batch, batchSize);
  const start = performance.now();
  for (let i = 0; i < throughputRuns; i++) await classifier.scores(batch, batchSize);
  const throughput = (batchSize * throughputRuns) / ((performance.now() - start) / 1000);

  return {
    metrics: {
      top1_score: { value: first.top5[0]!.score, unit: '' },
      latency_ms_median: { value: quantile(latencies, 0.5), unit: 'ms' },
      latency_ms_p95: { value: quantile(latencies, 0.95), unit: 'ms' },
      throughput_images_per_s: { value: throughput, unit: 'images/s' },
      model_load_ms: { value: classifier.modelLoadMs, unit: 'ms' },
      ran_on_requested_device: { value: placement.nodesOnCpu.length === 0 ? 1 : 0, unit: '' },
    },
    hyperparameters: {
      model: model.file,
      modelId,
      modelTitle: classifier.sidecar.title,
      sidecar: classifier.sidecar.source,
      input: `${classifier.sidecar.input.layout} ${classifier.sidecar.input.height}x${classifier.sidecar.input.width} ${classifier.sidecar.input.channels}`,
      crop: classifier.sidecar.crop.kind,
      resize: classifier.sidecar.resize,
      executionProviders: session.executionProviders,
      warmupRuns: warmup,
      latencyRuns,
      batch: batchSize,
      throughputRuns,
    },
    lines,
    classifications: { modelId, images: results },
    artifacts: [profileFile],
    details: {
      ...(model.standIn && { modelStandIn: { for: model.standIn.for.sidecar.id, searched: model.standIn.searched, staging: model.standIn.for.staging } }),
      nodePlacement: { profile: profileFile, requested: placement.requested, scope: placement.scope, allowedProviders: placement.allowedProviders, nodes: placement.placement, nodesOnCpu: placement.nodesOnCpu },
    },
  };
}

/** The model that ran, first on the console; a stand-in for the manual's model says so and how to stage that one. */
function modelLines(model: ResolvedModel): string[] {
  if (!model.standIn) return [`model: ${model.sidecar.id}`];
  const standIn = model.standIn.for.sidecar;
  return [
    `model: ${model.sidecar.id}, shipped with mlcheck; run because ${standIn.id} (the manual's model) is not staged`,
    `  for the manual's model: stage ${model.standIn.for.file} (models/${standIn.id}.yaml says how), or pass --model FILE`,
  ];
}

/** "nodes by provider: CUDAExecutionProvider 61 (Conv 53, ...), CPUExecutionProvider 2 (Shape 2)". */
function placementLine(placement: PlacementJudgement): string {
  const byProvider = new Map<string, Map<string, number>>();
  for (const node of placement.placement) {
    const ops = byProvider.get(node.provider) ?? new Map<string, number>();
    ops.set(node.opType, (ops.get(node.opType) ?? 0) + 1);
    byProvider.set(node.provider, ops);
  }
  const parts = [...byProvider].map(([provider, ops]) => `${provider} ${[...ops.values()].reduce((x, y) => x + y, 0)} (${[...ops].map(([op, n]) => `${op} ${n}`).join(', ')})`);
  return `nodes by provider: ${parts.join('; ')}`;
}

function shortLabel(label: string): string {
  return label.split(',')[0]!.trim();
}
