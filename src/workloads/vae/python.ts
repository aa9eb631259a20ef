import { rmSync } from 'node:fs';
import path from 'node:path';
import type { PythonSession } from '../../engines/python/session.js';
import { MlcheckError } from '../../util/errors.js';
import { runInstalledExample } from '../installed/run-example.js';
import { kitNumbers, readFloat32File, runKit, summarizeVariableChange } from '../python-kit.js';
import { hyperparameters, nonNegativeInteger, positiveInteger } from '../training/params.js';
import { round, stepTimeMetrics } from '../training/step-times.js';
import type { WorkloadRun } from '../types.js';
import { vaeDefaults } from './defaults.js';
import { vaeArchitecture } from './model.js';
import { writeImageGrid } from './png-grid.js';

interface VaeKitOutput {
  stepMs: unknown[];
  steps: number;
  testSize: number;
  epochs: { epoch: number; steps: number; train_loss: number; test_loss: number }[];
  images: { name: string; file: string; count: number; columns: number }[];
  variableChange: Record<string, unknown>;
}

/** vae/main.py on the node's PyTorch or TensorFlow: the tfjs workload's hyperparameters, metrics and images. */
export const vaePython: WorkloadRun<PythonSession> = async (session, ctx) => {
  if (session.kit === 'installed') return runInstalledExample(session, ctx, 'vae');
  const param = hyperparameters('vae', vaeDefaults, ctx.params);
  const params = {
    epochs: param.number('epochs', positiveInteger),
    trainSteps: param.number('trainSteps', nonNegativeInteger),
    batch: param.number('batch', positiveInteger),
    learningRate: param.number('learningRate', (n) => n > 0),
    hidden: param.number('hidden', positiveInteger),
    latent: param.number('latent', positiveInteger),
    testSize: param.number('testSize', positiveInteger),
    images: param.flag('images'),
  };
  const out = (await runKit(session, ctx, 'vae', { params, datasets: ['mnist'] })) as VaeKitOutput;
  const artifacts = out.images.map((image) => writePng(image, ctx.outDir));
  const history = out.epochs;
  const last = history[history.length - 1];
  if (last === undefined) throw new MlcheckError('internal', 'the vae kit trained no epoch');
  const moved = summarizeVariableChange(out.variableChange);
  const timing = stepTimeMetrics(kitNumbers(out.stepMs));
  const lines = history.flatMap((h) => [`====> Epoch: ${h.epoch} Average loss: ${h.train_loss.toFixed(4)}`, `====> Test set loss: ${h.test_loss.toFixed(4)}`]);
  lines.push(`${timing.ms_per_step_median.value.toFixed(1)} ms/step (median over ${out.steps} steps; p95 ${timing.ms_per_step_p95.value.toFixed(1)} ms)`);
  return {
    metrics: {
      test_loss: { value: last.test_loss, unit: 'nats/image' },
      train_loss: { value: last.train_loss, unit: 'nats/image' },
      least_variable_change: moved.least,
      ...timing,
      steps: { value: out.steps, unit: 'steps' },
      epochs: { value: history.length, unit: 'epochs' },
    },
    hyperparameters: {
      architecture: vaeArchitecture({ input: 784, hidden: params.hidden, latent: params.latent }),
      framework: session.framework,
      loss: 'BCE (sum) + KLD',
      optimizer: 'Adam',
      learning_rate: params.learningRate,
      adam_betas: [0.9, 0.999],
      adam_eps: 1e-8,
      batch_size: params.batch,
      epochs: history.length,
      train_steps: out.steps,
      test_size: out.testSize,
      init: 'torch.nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases',
      pixels: 'p / 255',
      shuffle: 'every epoch',
      seed: ctx.seed,
    },
    lines,
    details: { epochs: history, variableChange: { leastTrained: moved.leastName, byVariable: moved.byVariable } },
    artifacts,
  };
};

/** The kit's raw float32 grid as the PNG every engine writes (writeImageGrid); the raw file goes. */
function writePng(image: VaeKitOutput['images'][number], outDir: string): string {
  const raw = path.resolve(image.file);
  if (path.dirname(raw) !== path.resolve(outDir)) throw new MlcheckError('internal', `the vae kit wrote ${raw} outside the case folder ${outDir}`);
  const pixels = readFloat32File(raw);
  const file = path.join(outDir, `${path.basename(image.name)}.png`);
  writeImageGrid(file, pixels, image.count, 28, image.columns);
  rmSync(raw, { force: true });
  return file;
}
