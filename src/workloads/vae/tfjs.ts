import path from 'node:path';
import type * as tfc from '@tensorflow/tfjs-core';
import type { TfjsSession } from '../../engines/tfjs/session.js';
import { fillPixels, loadMnist, MNIST_PIXELS, range, type MnistSplit } from '../training/mnist.js';
import { hyperparameters, nonNegativeInteger, positiveInteger } from '../training/params.js';
import { seededRandom, type SeededRandom } from '../training/random.js';
import { round } from '../training/step-times.js';
import { disposeModel, trainingStep } from '../training/trainable-model.js';
import { trackVariableChange } from '../training/variable-change.js';
import type { WorkloadRun } from '../types.js';
import { vaeDefaults } from './defaults.js';
import { vaeOutput, type VaeEpoch } from './output.js';
import { createVaeModel, type VaeModel, type VaeModelFactory } from './model.js';
import { writeImageGrid } from './png-grid.js';

const IMAGE_SIDE = 28;
const toUnit = (p: number): number => p / 255;

export interface VaeTrainingOptions {
  /** The model to train; default: main.py's VAE. Calibration injects broken baselines here. */
  createModel?: VaeModelFactory;
}

/**
 * vae/main.py: each epoch shuffles the 60,000 training images into batches of 128 (the last
 * one smaller), trains with Adam, then reports the average training loss per image and the
 * test loss summed over the test set divided by its size, and writes reconstruction_<epoch>.png
 * and sample_<epoch>.png.
 */
export function vaeTraining({ createModel = createVaeModel }: VaeTrainingOptions = {}): WorkloadRun<TfjsSession> {
  return async (session, ctx) => {
    const { tf } = session;
    const param = hyperparameters('vae', vaeDefaults, ctx.params);
    const epochs = param.number('epochs', positiveInteger);
    const trainSteps = param.number('trainSteps', nonNegativeInteger);
    const batch = param.number('batch', positiveInteger);
    const learningRate = param.number('learningRate', (n) => n > 0);
    const hidden = param.number('hidden', positiveInteger);
    const latent = param.number('latent', positiveInteger);
    const testSizeParam = param.number('testSize', positiveInteger);
    const writeImages = param.flag('images');

    ctx.progress({ phase: 'load', message: 'reading MNIST' });
    const { train, test } = await loadMnist(ctx);
    const testSize = Math.min(testSizeParam, test.count);
    const stepsPerEpoch = Math.ceil(train.count / batch);
    const totalSteps = trainSteps > 0 ? Math.min(trainSteps, epochs * stepsPerEpoch) : epochs * stepsPerEpoch;
    const epochsToRun = Math.ceil(totalSteps / stepsPerEpoch);

    const random = seededRandom(ctx.seed);
    const model = createModel(tf, { sizes: { input: MNIST_PIXELS, hidden, latent }, nextSeed: random.nextSeed, train });
    const change = trackVariableChange(tf, model.variables);
    const optimizer = tf.train.adam(learningRate, 0.9, 0.999, 1e-8);

    const xs = new Float32Array(batch * MNIST_PIXELS);
    const stepMs: number[] = [];
    const history: VaeEpoch[] = [];
    const artifacts: string[] = [];
    const lines: string[] = [];
    let step = 0;
    try {
      for (let epoch = 1; epoch <= epochsToRun; epoch++) {
        const order = random.permutation(train.count);
        let lossSum = 0;
        let seen = 0;
        let epochSteps = 0;
        for (let start = 0; start < train.count && step < totalSteps; start += batch) {
          ctx.signal.throwIfAborted();
          const started = performance.now();
          const size = Math.min(batch, train.count - start);
          const view = xs.subarray(0, size * MNIST_PIXELS);
          fillPixels(view, train, order.subarray(start, start + size), toUnit);
          const x = tf.tensor2d(view, [size, MNIST_PIXELS]);
          const eps = tf.randomNormal([size, latent], 0, 1, 'float32', random.nextSeed()) as tfc.Tensor2D;
          const loss = trainingStep(tf, optimizer, model, () => model.loss(x, eps).loss);
          tf.dispose([x, eps]);
          const value = loss === null ? Number.NaN : (await loss.data())[0];
          loss?.dispose();
          stepMs.push(performance.now() - started);
          if (!Number.isFinite(value)) throw new Error(`vae: the loss diverged to ${value} at step ${step}`);
          lossSum += value;
          seen += size;
          step++;
          epochSteps++;
          if (step % 100 === 0 || step === totalSteps) {
            ctx.progress({
              phase: 'train',
              message: `epoch ${epoch} [${start + size}/${train.count}] loss ${(value / size).toFixed(4)}`,
              step,
              totalSteps,
              epoch,
              loss: value / size,
            });
          }
        }
        const trainLoss = lossSum / seen;
        ctx.progress({ phase: 'eval', message: `epoch ${epoch}: test loss on ${testSize} images`, epoch });
        const testLoss = evaluate(tf, model, test, testSize, batch, latent, random);
        history.push({ epoch, steps: epochSteps, train_loss: round(trainLoss, 4), test_loss: round(testLoss, 4) });
        lines.push(`====> Epoch: ${epoch} Average loss: ${trainLoss.toFixed(4)}`, `====> Test set loss: ${testLoss.toFixed(4)}`);
        if (writeImages) artifacts.push(...writeEpochImages(tf, model, test, epoch, latent, random, ctx.outDir));
      }

      return vaeOutput({ history, stepMs, steps: step, testSize, batch, learningRate, seed: ctx.seed, architecture: model.architecture, moved: change.measure(), lines, artifacts });
    } finally {
      optimizer.dispose();
      change.dispose();
      disposeModel(model);
    }
  };
}

/** The shipped workload: main.py's VAE. */
export const vaeTfjs: WorkloadRun<TfjsSession> = vaeTraining();

/** The example's test(): loss summed over the test images (z sampled, as main.py does) / count. */
function evaluate(tf: typeof tfc, model: VaeModel, test: MnistSplit, count: number, batch: number, latent: number, random: SeededRandom): number {
  let sum = 0;
  const buffer = new Float32Array(batch * MNIST_PIXELS);
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    const view = buffer.subarray(0, size * MNIST_PIXELS);
    fillPixels(view, test, range(start, size), toUnit);
    const seed = random.nextSeed();
    sum += tf.tidy(() => model.loss(tf.tensor2d(view, [size, MNIST_PIXELS]), tf.randomNormal([size, latent], 0, 1, 'float32', seed) as tfc.Tensor2D).loss.dataSync()[0]);
  }
  return sum / count;
}

/** reconstruction_<epoch>.png (8 test inputs over their reconstructions) and sample_<epoch>.png (64 decoded N(0, 1) codes). */
function writeEpochImages(tf: typeof tfc, model: VaeModel, test: MnistSplit, epoch: number, latent: number, random: SeededRandom, outDir: string): string[] {
  const n = Math.min(8, test.count);
  const inputs = new Float32Array(n * MNIST_PIXELS);
  fillPixels(inputs, test, range(0, n), toUnit);
  const reconstructionSeed = random.nextSeed();
  const reconstructions = tf.tidy(() => {
    const { logits } = model.loss(tf.tensor2d(inputs, [n, MNIST_PIXELS]), tf.randomNormal([n, latent], 0, 1, 'float32', reconstructionSeed) as tfc.Tensor2D);
    return tf.sigmoid(logits).dataSync() as Float32Array;
  });
  const comparison = new Float32Array(2 * n * MNIST_PIXELS);
  comparison.set(inputs, 0);
  comparison.set(reconstructions, n * MNIST_PIXELS);
  const reconstructionFile = path.join(outDir, `reconstruction_${epoch}.png`);
  writeImageGrid(reconstructionFile, comparison, 2 * n, IMAGE_SIDE, n);

  const sampleSeed = random.nextSeed();
  const samples = tf.tidy(() => tf.sigmoid(model.decode(tf.randomNormal([64, latent], 0, 1, 'float32', sampleSeed) as tfc.Tensor2D)).dataSync() as Float32Array);
  const sampleFile = path.join(outDir, `sample_${epoch}.png`);
  writeImageGrid(sampleFile, samples, 64, IMAGE_SIDE, 8);
  return [reconstructionFile, sampleFile];
}
