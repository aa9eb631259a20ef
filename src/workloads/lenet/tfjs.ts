import type * as tfc from '@tensorflow/tfjs-core';
import type { TfjsSession } from '../../engines/tfjs/session.js';
import { fillPixels, loadMnist, MNIST_PIXELS, range, type MnistSplit } from '../training/mnist.js';
import { nonNegativeInteger, numberParam, positiveInteger } from '../training/params.js';
import { seededRandom } from '../training/random.js';
import { median } from '../../util/statistics.js';
import { round, stepTimeMetrics } from '../training/step-times.js';
import type { WorkloadRun } from '../types.js';
import { createLenetVariables, fcL2Loss, IMAGE_SIZE, lenetLogits, NUM_LABELS, type LenetVariables } from './model.js';

const PIXEL_DEPTH = 255;
const EVAL_BATCH = 500;
const normalise = (p: number): number => (p - PIXEL_DEPTH / 2) / PIXEL_DEPTH;

/**
 * convolutional.py's training: the first `validationSize` training images are held out; batches
 * are taken in order at offset (step * batch) % (trainSize - batch); momentum SGD with the
 * learning rate decayed by `decayRate` once per epoch (staircase); L2 on the fc layers.
 */
export const lenetTfjs: WorkloadRun<TfjsSession> = async (session, ctx) => {
  const { tf } = session;
  const p = ctx.params;
  const batch = numberParam('lenet', p, 'batch', 64, positiveInteger);
  const epochs = numberParam('lenet', p, 'epochs', 10, (n) => n > 0);
  const trainStepsParam = numberParam('lenet', p, 'trainSteps', 0, nonNegativeInteger);
  const baseRate = numberParam('lenet', p, 'learningRate', 0.01, (n) => n > 0);
  const decayRate = numberParam('lenet', p, 'decayRate', 0.95, (n) => n > 0 && n <= 1);
  const momentum = numberParam('lenet', p, 'momentum', 0.9, (n) => n >= 0 && n < 1);
  const l2Weight = numberParam('lenet', p, 'l2', 5e-4, (n) => n >= 0);
  const dropoutRate = numberParam('lenet', p, 'dropout', 0.5, (n) => n >= 0 && n < 1);
  const validationSize = numberParam('lenet', p, 'validationSize', 5000, positiveInteger);
  const evalEvery = numberParam('lenet', p, 'evalEvery', 100, nonNegativeInteger);
  const evalSizeParam = numberParam('lenet', p, 'evalSize', validationSize, positiveInteger);
  const testSizeParam = numberParam('lenet', p, 'testSize', 10000, positiveInteger);

  ctx.progress({ phase: 'load', message: 'reading MNIST' });
  const { train, test } = await loadMnist(ctx);
  const trainSize = train.count - validationSize;
  if (trainSize <= batch) throw new RangeError(`lenet: validationSize ${validationSize} leaves ${trainSize} training images for batch ${batch}`);
  const steps = trainStepsParam > 0 ? trainStepsParam : Math.floor((epochs * trainSize) / batch);
  const evalSize = Math.min(evalSizeParam, validationSize);
  const testSize = Math.min(testSizeParam, test.count);

  const random = seededRandom(ctx.seed);
  const variables = createLenetVariables(tf, random.nextSeed);
  const trainable = Object.values(variables) as tfc.Variable[];
  const learningRateAt = (step: number): number => baseRate * decayRate ** Math.floor((step * batch) / trainSize);
  let currentRate = learningRateAt(0);
  const optimizer = tf.train.momentum(currentRate, momentum);

  const errorPct = (split: MnistSplit, first: number, count: number): number =>
    100 * (1 - correctCount(tf, variables, split, first, count) / count);

  const xs = new Float32Array(batch * MNIST_PIXELS);
  const ys = new Int32Array(batch);
  const stepMs: number[] = [];
  const validationCurve: { step: number; epoch: number; validation_error_pct: number; minibatch_loss: number; learning_rate: number }[] = [];
  let lastLoss = Number.NaN;
  try {
    for (let step = 0; step < steps; step++) {
      ctx.signal.throwIfAborted();
      const started = performance.now();
      const offset = (step * batch) % (trainSize - batch);
      fillPixels(xs, train, range(validationSize + offset, batch), normalise);
      for (let i = 0; i < batch; i++) ys[i] = train.labels[validationSize + offset + i];
      const rate = learningRateAt(step);
      if (rate !== currentRate) {
        optimizer.setLearningRate(rate);
        currentRate = rate;
      }
      const dropoutSeed = random.nextSeed();
      const images = tf.tensor4d(xs, [batch, IMAGE_SIZE, IMAGE_SIZE, 1]);
      const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(ys, 'int32'), NUM_LABELS));
      const loss = optimizer.minimize(
        () => {
          const logits = lenetLogits(tf, variables, images, dropoutRate > 0 ? { rate: dropoutRate, seed: dropoutSeed } : null);
          const crossEntropy = tf.losses.softmaxCrossEntropy(labels, logits) as tfc.Scalar;
          return tf.add(crossEntropy, tf.mul(l2Weight, fcL2Loss(tf, variables)));
        },
        true,
        trainable,
      );
      tf.dispose([images, labels]);
      // Reading the loss waits for the step to finish, so the timing covers the whole step.
      lastLoss = loss === null ? Number.NaN : (await loss.data())[0];
      loss?.dispose();
      stepMs.push(performance.now() - started);
      if (!Number.isFinite(lastLoss)) throw new Error(`lenet: the loss diverged to ${lastLoss} at step ${step}`);

      const done = step + 1;
      if (evalEvery > 0 && (done % evalEvery === 0 || done === steps)) {
        const validation = errorPct(train, 0, evalSize);
        const epoch = (done * batch) / trainSize;
        validationCurve.push({ step: done, epoch: round(epoch, 3), validation_error_pct: round(validation, 2), minibatch_loss: round(lastLoss, 4), learning_rate: currentRate });
        ctx.progress({
          phase: 'train',
          message: `step ${done}/${steps} (epoch ${epoch.toFixed(2)}), ${median(stepMs.slice(-evalEvery)).toFixed(1)} ms/step, minibatch loss ${lastLoss.toFixed(3)}, learning rate ${currentRate.toFixed(6)}, validation error ${validation.toFixed(1)}%`,
          step: done,
          totalSteps: steps,
          epoch: round(epoch, 2),
          loss: lastLoss,
        });
      }
    }

    ctx.progress({ phase: 'eval', message: `test error on ${testSize} test images` });
    const testError = errorPct(test, 0, testSize);
    const finalValidation = validationCurve.at(-1)?.validation_error_pct ?? errorPct(train, 0, evalSize);
    const timing = stepTimeMetrics(stepMs);
    return {
      metrics: {
        test_error_pct: { value: round(testError, 3), unit: '%' },
        validation_error_pct: { value: round(finalValidation, 3), unit: '%' },
        final_minibatch_loss: { value: round(lastLoss, 4), unit: '' },
        ...timing,
        steps: { value: steps, unit: 'steps' },
      },
      hyperparameters: {
        architecture: 'conv5x5x32 SAME relu, maxpool2, conv5x5x64 SAME relu, maxpool2, fc512 relu, dropout, fc10',
        batch_size: batch,
        epochs: round((steps * batch) / trainSize, 3),
        train_steps: steps,
        train_size: trainSize,
        validation_size: validationSize,
        eval_every: evalEvery,
        eval_size: evalSize,
        test_size: testSize,
        optimizer: 'momentum',
        momentum,
        learning_rate: baseRate,
        decay_rate: decayRate,
        decay: 'staircase per epoch',
        l2_regularization: l2Weight,
        dropout_rate: dropoutRate,
        init: 'truncated normal std 0.1; biases conv1 0, others 0.1',
        pixels: '(p - 127.5) / 255',
        seed: ctx.seed,
      },
      lines: [
        ...validationCurve.map((c) => `Step ${c.step} (epoch ${c.epoch.toFixed(2)}): minibatch loss ${c.minibatch_loss.toFixed(3)}, learning rate ${c.learning_rate.toFixed(6)}, validation error ${c.validation_error_pct.toFixed(1)}%`),
        `${timing.ms_per_step_median.value.toFixed(1)} ms/step (median over ${steps} steps, training only; p95 ${timing.ms_per_step_p95.value.toFixed(1)} ms)`,
        `Test error: ${testError.toFixed(1)}%`,
      ],
      details: { validationCurve, stepTiming: 'training steps only; validation passes are not included' },
    };
  } finally {
    optimizer.dispose();
    for (const variable of trainable) variable.dispose();
  }
};

function correctCount(tf: typeof tfc, variables: LenetVariables, split: MnistSplit, first: number, count: number): number {
  let correct = 0;
  const buffer = new Float32Array(Math.min(EVAL_BATCH, count) * MNIST_PIXELS);
  for (let start = 0; start < count; start += EVAL_BATCH) {
    const size = Math.min(EVAL_BATCH, count - start);
    const view = buffer.subarray(0, size * MNIST_PIXELS);
    fillPixels(view, split, range(first + start, size), normalise);
    const predicted = tf.tidy(() => tf.argMax(lenetLogits(tf, variables, tf.tensor4d(view, [size, IMAGE_SIZE, IMAGE_SIZE, 1]), null), 1).dataSync());
    for (let i = 0; i < size; i++) if (predicted[i] === split.labels[first + start + i]) correct++;
  }
  return correct;
}

