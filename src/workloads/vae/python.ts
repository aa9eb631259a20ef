import { rmSync } from 'node:fs';
import path from 'node:path';
import type { PythonSession } from '../../engines/python/session.js';
import { MlcheckError } from '../../util/errors.js';
import { runInstalledExample } from '../installed/run-example.js';
import { kitNumbers, readFloat32File, runKit, summarizeVariableChange } from '../python-kit.js';
import { hyperparameters, nonNegativeInteger, positiveInteger } from '../training/params.js';
import type { WorkloadRun } from '../types.js';
import { vaeDefaults } from './defaults.js';
import { vaeOutput, type VaeEpoch } from './output.js';
import { vaeArchitecture } from './model.js';
import { writeImageGrid } from './png-grid.js';

interface VaeKitOutput {
  stepMs: unknown[];
  steps: number;
  testSize: number;
  epochs: VaeEpoch[];
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
  const lines = history.flatMap((h) => [`====> Epoch: ${h.epoch} Average loss: ${h.train_loss.toFixed(4)}`, `====> Test set loss: ${h.test_loss.toFixed(4)}`]);
  return vaeOutput({
    history,
    stepMs: kitNumbers(out.stepMs),
    steps: out.steps,
    testSize: out.testSize,
    batch: params.batch,
    learningRate: params.learningRate,
    seed: ctx.seed,
    architecture: vaeArchitecture({ input: 784, hidden: params.hidden, latent: params.latent }),
    extraHyperparameters: { framework: session.framework },
    moved: summarizeVariableChange(out.variableChange),
    lines,
    artifacts,
  });
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
