import type * as tfc from '@tensorflow/tfjs-core';
import { readIrisCsv } from '../../datasets/readers/index.js';
import type { TfjsSession } from '../../engines/tfjs/session.js';
import { UsageError } from '../../util/errors.js';
import { hyperparameters, positiveInteger } from '../training/params.js';
import { seededRandom } from '../training/random.js';
import { round } from '../training/step-times.js';
import { disposeModel, trainingStep } from '../training/trainable-model.js';
import { trackVariableChange } from '../training/variable-change.js';
import type { WorkloadRun } from '../types.js';
import { irisDefaults } from './defaults.js';
import { createIrisDnn, type IrisModelFactory } from './model.js';

/** premade_estimator.py's SPECIES and its three example flowers with the expected species. */
export const SPECIES = ['Setosa', 'Versicolor', 'Virginica'] as const;
export const PREDICT_X = {
  SepalLength: [5.1, 5.9, 6.9],
  SepalWidth: [3.3, 3.0, 3.1],
  PetalLength: [1.7, 4.2, 5.4],
  PetalWidth: [0.5, 1.5, 2.1],
};
export const EXPECTED = ['Setosa', 'Versicolor', 'Virginica'] as const;

export interface IrisTrainingOptions {
  /** The model to train; default: DNNClassifier(hidden_units=[hidden1, hidden2]). Calibration injects broken baselines here. */
  createModel?: IrisModelFactory;
}

/**
 * DNNClassifier(hidden_units=[10, 10], n_classes=3): dense relu layers with Glorot-uniform
 * kernels and zero biases (the estimator's defaults), softmax cross-entropy averaged over the
 * batch, Adagrad (initial accumulator 0.1), batches of 100 drawn from a shuffled, repeated set.
 */
export function irisTraining({ createModel = createIrisDnn }: IrisTrainingOptions = {}): WorkloadRun<TfjsSession> {
  return async (session, ctx) => {
    const { tf } = session;
    const param = hyperparameters('iris', irisDefaults, ctx.params);
    const steps = param.number('trainSteps', positiveInteger);
    const batch = param.number('batch', positiveInteger);
    const learningRate = param.number('learningRate', (n) => n > 0);
    const initialAccumulator = param.number('initialAccumulator', (n) => n >= 0);
    const hidden1 = param.number('hidden1', positiveInteger);
    const hidden2 = param.number('hidden2', positiveInteger);
    const shuffleBuffer = param.number('shuffleBuffer', positiveInteger);

    ctx.progress({ phase: 'load', message: 'reading iris_training.csv and iris_test.csv' });
    const files = await ctx.data.contents('iris');
    const train = readIrisCsv(files.train);
    const test = readIrisCsv(files.test);
    const featureCount = train.featureCount;
    const classes = train.classNames.length;
    if (shuffleBuffer < train.count) {
      // A smaller buffer would shuffle only locally; iris (120 rows) never needs it.
      throw new UsageError(`workload iris: shuffle buffer ${shuffleBuffer} is smaller than the ${train.count} training rows`, {
        expected: `shuffleBuffer >= ${train.count}`,
        found: String(shuffleBuffer),
        fix: 'raise shuffleBuffer in references/profiles.yaml',
      });
    }

    const random = seededRandom(ctx.seed);
    const model = createModel(tf, { featureCount, classes, hiddenUnits: [hidden1, hidden2], nextSeed: random.nextSeed });
    const change = trackVariableChange(tf, model.variables);
    const logitsOf = (x: tfc.Tensor2D): tfc.Tensor2D => model.logits(x);

    const optimizer = tf.train.adagrad(learningRate, initialAccumulator);
    // shuffle(1000).repeat().batch(100) with a buffer larger than the data set: every pass over
    // the 120 rows is a fresh permutation, and batches run across pass boundaries.
    const sampler = shuffledStream(train.count, random);
    const xs = new Float32Array(batch * featureCount);
    const ys = new Int32Array(batch);
    let lastLoss = Number.NaN;
    try {
      for (let step = 0; step < steps; step++) {
        ctx.signal.throwIfAborted();
        for (let i = 0; i < batch; i++) {
          const row = sampler();
          xs.set(train.features.subarray(row * featureCount, (row + 1) * featureCount), i * featureCount);
          ys[i] = train.labels[row];
        }
        const x = tf.tensor2d(xs, [batch, featureCount]);
        const y = tf.tidy(() => tf.oneHot(tf.tensor1d(ys, 'int32'), classes));
        const loss = trainingStep(tf, optimizer, model, () => tf.losses.softmaxCrossEntropy(y, logitsOf(x)) as tfc.Scalar);
        tf.dispose([x, y]);
        const report = (step + 1) % 100 === 0 || step === steps - 1;
        if (report && loss) lastLoss = (await loss.data())[0];
        loss?.dispose();
        if (report) {
          // A wrong computation, not bad input: the case fails (never `error`).
          if (!Number.isFinite(lastLoss)) throw new Error(`iris: the loss diverged to ${lastLoss} at step ${step + 1}`);
          ctx.progress({ phase: 'train', message: `step ${step + 1}/${steps} loss ${lastLoss.toFixed(4)}`, step: step + 1, totalSteps: steps, loss: lastLoss });
        }
      }

      const moved = change.measure();
      ctx.progress({ phase: 'eval', message: `evaluating on ${test.count} test rows` });
      const testPredictions = tf.tidy(() => tf.argMax(logitsOf(tf.tensor2d(test.features, [test.count, featureCount])), 1).dataSync());
      let correct = 0;
      for (let i = 0; i < test.count; i++) if (testPredictions[i] === test.labels[i]) correct++;
      const accuracy = correct / test.count;
      // Cross-entropy over whole splits: how well the model fits, which separates the DNN from a
      // linear model where the 30-row test accuracy cannot (docs/calibration.md).
      const meanLoss = (split: typeof train): number =>
        tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(split.labels, 'int32'), classes), logitsOf(tf.tensor2d(split.features, [split.count, featureCount]))).dataSync()[0]);
      const trainLoss = meanLoss(train);
      const testLoss = meanLoss(test);

      const columns = [PREDICT_X.SepalLength, PREDICT_X.SepalWidth, PREDICT_X.PetalLength, PREDICT_X.PetalWidth];
      const predictX = new Float32Array(EXPECTED.length * 4);
      for (let row = 0; row < EXPECTED.length; row++) for (let col = 0; col < 4; col++) predictX[row * 4 + col] = columns[col][row];
      const probabilities = tf.tidy(() => tf.softmax(logitsOf(tf.tensor2d(predictX, [EXPECTED.length, 4]))).arraySync() as number[][]);
      const predictions = probabilities.map((probs, i) => {
        const classId = probs.indexOf(Math.max(...probs));
        return { expected: EXPECTED[i], predicted: SPECIES[classId] ?? String(classId), probability: probs[classId], probabilities: probs };
      });

      const lines = [
        `Test set accuracy: ${accuracy.toFixed(3)}`,
        ...predictions.map((pr) => `Prediction is "${pr.predicted}" (${(100 * pr.probability).toFixed(1)}%), expected "${pr.expected}"`),
      ];
      return {
        metrics: {
          test_accuracy: { value: round(accuracy, 4), unit: '' },
          predictions_correct: { value: predictions.filter((pr) => pr.predicted === pr.expected).length, unit: 'of 3' },
          train_loss: { value: round(trainLoss, 5), unit: 'nats/row' },
          test_loss: { value: round(testLoss, 5), unit: 'nats/row' },
          final_loss: { value: round(lastLoss, 5), unit: '' },
          least_variable_change: moved.least,
        },
        hyperparameters: {
          hidden_units: [hidden1, hidden2],
          architecture: model.architecture,
          activation: 'relu',
          n_classes: classes,
          optimizer: 'Adagrad',
          learning_rate: learningRate,
          initial_accumulator_value: initialAccumulator,
          batch_size: batch,
          train_steps: steps,
          shuffle_buffer: shuffleBuffer,
          kernel_initializer: 'glorot_uniform',
          bias_initializer: 'zeros',
          loss_reduction: 'sum_over_batch_size',
          seed: ctx.seed,
        },
        lines,
        details: { testCorrect: correct, testCount: test.count, predictions, variableChange: { leastTrained: moved.leastName, byVariable: moved.byVariable } },
      };
    } finally {
      optimizer.dispose();
      change.dispose();
      disposeModel(model);
    }
  };
}

/** The shipped workload: premade_estimator.py's DNNClassifier. */
export const irisTfjs: WorkloadRun<TfjsSession> = irisTraining();

/** Row indices in tf.data's shuffle(buffer).repeat() order, for data no larger than the buffer. */
function shuffledStream(count: number, random: ReturnType<typeof seededRandom>): () => number {
  let order = random.permutation(count);
  let position = 0;
  return () => {
    if (position === count) {
      order = random.permutation(count);
      position = 0;
    }
    return order[position++];
  };
}
