import type * as tfc from '@tensorflow/tfjs-core';
import { readIrisCsv } from '../../datasets/readers/index.js';
import type { TfjsSession } from '../../engines/tfjs/session.js';
import { numberParam, positiveInteger } from '../training/params.js';
import { seededRandom } from '../training/random.js';
import { round } from '../training/step-times.js';
import type { WorkloadRun } from '../types.js';

/** premade_estimator.py's SPECIES and its three example flowers with the expected species. */
export const SPECIES = ['Setosa', 'Versicolor', 'Virginica'] as const;
export const PREDICT_X = {
  SepalLength: [5.1, 5.9, 6.9],
  SepalWidth: [3.3, 3.0, 3.1],
  PetalLength: [1.7, 4.2, 5.4],
  PetalWidth: [0.5, 1.5, 2.1],
};
export const EXPECTED = ['Setosa', 'Versicolor', 'Virginica'] as const;

type Variables = Record<'w1' | 'b1' | 'w2' | 'b2' | 'w3' | 'b3', tfc.Variable>;

/**
 * DNNClassifier(hidden_units=[10, 10], n_classes=3): dense relu layers with Glorot-uniform
 * kernels and zero biases (the estimator's defaults), softmax cross-entropy averaged over the
 * batch, Adagrad (initial accumulator 0.1), batches of 100 drawn from a shuffled, repeated set.
 */
export const irisTfjs: WorkloadRun<TfjsSession> = async (session, ctx) => {
  const { tf } = session;
  const p = ctx.params;
  const steps = numberParam('iris', p, 'trainSteps', 1000, positiveInteger);
  const batch = numberParam('iris', p, 'batch', 100, positiveInteger);
  const learningRate = numberParam('iris', p, 'learningRate', 0.05, (n) => n > 0);
  const initialAccumulator = numberParam('iris', p, 'initialAccumulator', 0.1, (n) => n >= 0);
  const hidden1 = numberParam('iris', p, 'hidden1', 10, positiveInteger);
  const hidden2 = numberParam('iris', p, 'hidden2', 10, positiveInteger);
  const shuffleBuffer = numberParam('iris', p, 'shuffleBuffer', 1000, positiveInteger);

  ctx.progress({ phase: 'load', message: 'reading iris_training.csv and iris_test.csv' });
  const files = await ctx.data.files('iris');
  const train = readIrisCsv(files.train);
  const test = readIrisCsv(files.test);
  const featureCount = train.featureCount;
  const classes = train.classNames.length;

  const random = seededRandom(ctx.seed);
  const glorot = (fanIn: number, fanOut: number): tfc.Variable => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', random.nextSeed()));
  };
  // Inside tidy, so the initial-value tensors are released once the variables hold their data.
  const v: Variables = tf.tidy(() => ({
    w1: glorot(featureCount, hidden1),
    b1: tf.variable(tf.zeros([hidden1])),
    w2: glorot(hidden1, hidden2),
    b2: tf.variable(tf.zeros([hidden2])),
    w3: glorot(hidden2, classes),
    b3: tf.variable(tf.zeros([classes])),
  })) as unknown as Variables;
  const logitsOf = (x: tfc.Tensor2D): tfc.Tensor2D =>
    tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, v.w1), v.b1)), v.w2), v.b2)), v.w3), v.b3);

  const optimizer = tf.train.adagrad(learningRate, initialAccumulator);
  // shuffle(1000).repeat().batch(100) with a buffer larger than the data set: every pass over
  // the 120 rows is a fresh permutation, and batches run across pass boundaries.
  const sampler = shuffledStream(train.count, shuffleBuffer, random);
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
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, logitsOf(x)) as tfc.Scalar, true, Object.values(v));
      tf.dispose([x, y]);
      if (loss) {
        if ((step + 1) % 100 === 0 || step === steps - 1) {
          lastLoss = (await loss.data())[0];
          ctx.progress({ phase: 'train', message: `step ${step + 1}/${steps} loss ${lastLoss.toFixed(4)}`, step: step + 1, totalSteps: steps, loss: lastLoss });
        }
        loss.dispose();
      }
    }

    ctx.progress({ phase: 'eval', message: `evaluating on ${test.count} test rows` });
    const testPredictions = tf.tidy(() => tf.argMax(logitsOf(tf.tensor2d(test.features, [test.count, featureCount])), 1).dataSync());
    let correct = 0;
    for (let i = 0; i < test.count; i++) if (testPredictions[i] === test.labels[i]) correct++;
    const accuracy = correct / test.count;

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
        final_loss: { value: round(lastLoss, 5), unit: '' },
      },
      hyperparameters: {
        hidden_units: [hidden1, hidden2],
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
      details: { testCorrect: correct, testCount: test.count, predictions },
    };
  } finally {
    optimizer.dispose();
    for (const variable of Object.values(v)) variable.dispose();
  }
};

/** Row indices in tf.data's shuffle(buffer).repeat() order for data no larger than the buffer. */
function shuffledStream(count: number, buffer: number, random: ReturnType<typeof seededRandom>): () => number {
  if (buffer < count) {
    // A smaller buffer would shuffle only locally; iris (120 rows) never needs it.
    throw new RangeError(`shuffle buffer ${buffer} is smaller than the ${count} training rows`);
  }
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
