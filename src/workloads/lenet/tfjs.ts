import type * as tfc from '@tensorflow/tfjs-core';
import type { TfjsSession } from '../../engines/tfjs/session.js';
import { UsageError } from '../../util/errors.js';
import { fillPixels, loadMnist, MNIST_PIXELS, range, type MnistSplit } from '../training/mnist.js';
import { hyperparameters, nonNegativeInteger, positiveInteger } from '../training/params.js';
import { seededRandom } from '../training/random.js';
import { median } from '../../util/statistics.js';
import { round, stepTimeMetrics } from '../training/step-times.js';
import { disposeModel, trainingStep } from '../training/trainable-model.js';
import { trackVariableChange } from '../training/variable-change.js';
import type { WorkloadRun } from '../types.js';
import { lenetDefaults } from './defaults.js';
import { createLenetModel, IMAGE_SIZE, NUM_LABELS, type LenetModel, type LenetModelFactory } from './model.js';

const PIXEL_DEPTH = 255;
const EVAL_BATCH = 500;
const normalise = (p: number): number => (p - PIXEL_DEPTH / 2) / PIXEL_DEPTH;

export interface LenetTrainingOptions {
  /** The model to train; default: convolutional.py's network. Calibration injects broken baselines here. */
  createModel?: LenetModelFactory;
}

/**
 * convolutional.py's training: the first `validationSize` training images are held out; batches
 * are taken in order at offset (step * batch) % (trainSize - batch); momentum SGD with the
 * learning rate decayed by `decayRate` once per epoch (staircase); L2 on the fc layers.
 */
export function lenetTraining({ createModel = createLenetModel }: LenetTrainingOptions = {}): WorkloadRun<TfjsSession> {
  return async (session, ctx) => {
    const { tf } = session;
    const param = hyperparameters('lenet', lenetDefaults, ctx.params);
    const batch = param.number('batch', positiveInteger);
    const epochs = param.number('epochs', (n) => n > 0);
    const trainStepsParam = param.number('trainSteps', nonNegativeInteger);
    const baseRate = param.number('learningRate', (n) => n > 0);
    const decayRate = param.number('decayRate', (n) => n > 0 && n <= 1);
    const momentum = param.number('momentum', (n) => n >= 0 && n < 1);
    const l2Weight = param.number('l2', (n) => n >= 0);
    const dropoutRate = param.number('dropout', (n) => n >= 0 && n < 1);
    const validationSize = param.number('validationSize', positiveInteger);
    const evalEvery = param.number('evalEvery', nonNegativeInteger);
    const evalSizeParam = param.number('evalSize', positiveInteger);
    const testSizeParam = param.number('testSize', positiveInteger);

    ctx.progress({ phase: 'load', message: 'reading MNIST' });
    const { train, test } = await loadMnist(ctx);
    const trainSize = train.count - validationSize;
    if (trainSize <= batch) {
      throw new UsageError(`workload lenet: validationSize ${validationSize} leaves ${trainSize} training images for batch ${batch}`, {
        expected: `validationSize below ${train.count - batch}`,
        found: String(validationSize),
        fix: 'lower validationSize (or batch) in references/profiles.yaml',
      });
    }
    const steps = trainStepsParam > 0 ? trainStepsParam : Math.floor((epochs * trainSize) / batch);
    const evalSize = Math.min(evalSizeParam, validationSize);
    const testSize = Math.min(testSizeParam, test.count);

    const random = seededRandom(ctx.seed);
    const model = createModel(tf, random.nextSeed);
    const change = trackVariableChange(tf, model.variables);
    const learningRateAt = (step: number): number => baseRate * decayRate ** Math.floor((step * batch) / trainSize);
    let currentRate = learningRateAt(0);
    const optimizer = tf.train.momentum(currentRate, momentum);

    const errorPct = (split: MnistSplit, first: number, count: number): number =>
      100 * (1 - correctCount(tf, model, split, first, count) / count);

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
        const loss = trainingStep(tf, optimizer, model, () => {
          const logits = model.logits(images, dropoutRate > 0 ? { rate: dropoutRate, seed: dropoutSeed } : null);
          const crossEntropy = tf.losses.softmaxCrossEntropy(labels, logits) as tfc.Scalar;
          return tf.add(crossEntropy, tf.mul(l2Weight, model.regularizer()));
        });
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

      const moved = change.measure();
      ctx.progress({ phase: 'eval', message: `test error on ${testSize} test images` });
      const testError = errorPct(test, 0, testSize);
      const finalValidation = validationCurve.at(-1)?.validation_error_pct ?? errorPct(train, 0, evalSize);
      const timing = stepTimeMetrics(stepMs);
      return {
        metrics: {
          test_error_pct: { value: round(testError, 3), unit: '%' },
          validation_error_pct: { value: round(finalValidation, 3), unit: '%' },
          final_minibatch_loss: { value: round(lastLoss, 4), unit: '' },
          least_variable_change: moved.least,
          ...timing,
          steps: { value: steps, unit: 'steps' },
        },
        hyperparameters: {
          architecture: model.architecture,
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
        details: { validationCurve, variableChange: { leastTrained: moved.leastName, byVariable: moved.byVariable }, stepTiming: 'training steps only; validation passes are not included' },
      };
    } finally {
      optimizer.dispose();
      change.dispose();
      disposeModel(model);
    }
  };
}

/** The shipped workload: convolutional.py's network. */
export const lenetTfjs: WorkloadRun<TfjsSession> = lenetTraining();

function correctCount(tf: typeof tfc, model: LenetModel, split: MnistSplit, first: number, count: number): number {
  let correct = 0;
  const buffer = new Float32Array(Math.min(EVAL_BATCH, count) * MNIST_PIXELS);
  for (let start = 0; start < count; start += EVAL_BATCH) {
    const size = Math.min(EVAL_BATCH, count - start);
    const view = buffer.subarray(0, size * MNIST_PIXELS);
    fillPixels(view, split, range(first + start, size), normalise);
    const predicted = tf.tidy(() => tf.argMax(model.logits(tf.tensor4d(view, [size, IMAGE_SIZE, IMAGE_SIZE, 1]), null), 1).dataSync());
    for (let i = 0; i < size; i++) if (predicted[i] === split.labels[first + start + i]) correct++;
  }
  return correct;
}

