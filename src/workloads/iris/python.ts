import { readIrisCsv } from '../../datasets/readers/index.js';
import { kitNumber } from '../../engines/python/protocol.js';
import type { PythonSession } from '../../engines/python/session.js';
import { UsageError } from '../../util/errors.js';
import { runInstalledExample } from '../installed/run-example.js';
import { runKit, summarizeVariableChange } from '../python-kit.js';
import { hyperparameters, positiveInteger } from '../training/params.js';
import { round } from '../training/step-times.js';
import type { WorkloadRun } from '../types.js';
import { irisDefaults } from './defaults.js';
import { EXPECTED, PREDICT_X, SPECIES } from './tfjs.js';

interface IrisKitOutput {
  testCorrect: number;
  testCount: number;
  trainLoss: unknown;
  testLoss: unknown;
  lastLoss: unknown;
  probabilities: unknown[][];
  variableChange: Record<string, unknown>;
}

/** premade_estimator.py on the node's PyTorch or TensorFlow: the rows mlcheck read, the tfjs workload's metrics. */
export const irisPython: WorkloadRun<PythonSession> = async (session, ctx) => {
  if (session.kit === 'installed') return runInstalledExample(session, ctx, 'iris');
  const param = hyperparameters('iris', irisDefaults, ctx.params);
  const params = {
    trainSteps: param.number('trainSteps', positiveInteger),
    batch: param.number('batch', positiveInteger),
    learningRate: param.number('learningRate', (n) => n > 0),
    initialAccumulator: param.number('initialAccumulator', (n) => n >= 0),
    hidden1: param.number('hidden1', positiveInteger),
    hidden2: param.number('hidden2', positiveInteger),
    shuffleBuffer: param.number('shuffleBuffer', positiveInteger),
  };
  ctx.progress({ phase: 'load', message: 'reading iris_training.csv and iris_test.csv' });
  const files = await ctx.data.contents('iris');
  const train = readIrisCsv(files.train);
  const test = readIrisCsv(files.test);
  if (params.shuffleBuffer < train.count) {
    throw new UsageError(`workload iris: shuffle buffer ${params.shuffleBuffer} is smaller than the ${train.count} training rows`, { expected: `shuffleBuffer >= ${train.count}`, found: String(params.shuffleBuffer), fix: 'raise shuffleBuffer in references/profiles.yaml' });
  }
  const split = (rows: typeof train) => ({ features: [...rows.features], labels: [...rows.labels], featureCount: rows.featureCount, classes: rows.classNames.length });
  const predict = EXPECTED.map((_, row) => [PREDICT_X.SepalLength[row], PREDICT_X.SepalWidth[row], PREDICT_X.PetalLength[row], PREDICT_X.PetalWidth[row]]);
  const out = (await runKit(session, ctx, 'iris', { params, inputs: { train: split(train), test: split(test), predict } })) as IrisKitOutput;

  const accuracy = out.testCorrect / out.testCount;
  const predictions = out.probabilities.map((row, i) => {
    const probs = row.map(kitNumber);
    const classId = probs.indexOf(Math.max(...probs));
    return { expected: EXPECTED[i], predicted: SPECIES[classId] ?? String(classId), probability: probs[classId], probabilities: probs };
  });
  const moved = summarizeVariableChange(out.variableChange);
  return {
    metrics: {
      test_accuracy: { value: round(accuracy, 4), unit: '' },
      predictions_correct: { value: predictions.filter((p) => p.predicted === p.expected).length, unit: 'of 3' },
      train_loss: { value: round(kitNumber(out.trainLoss), 5), unit: 'nats/row' },
      test_loss: { value: round(kitNumber(out.testLoss), 5), unit: 'nats/row' },
      final_loss: { value: round(kitNumber(out.lastLoss), 5), unit: '' },
      least_variable_change: moved.least,
    },
    hyperparameters: {
      hidden_units: [params.hidden1, params.hidden2],
      architecture: `DNNClassifier hidden [${params.hidden1}, ${params.hidden2}], relu, ${train.classNames.length} classes`,
      framework: session.framework,
      activation: 'relu',
      n_classes: train.classNames.length,
      optimizer: 'Adagrad',
      learning_rate: params.learningRate,
      initial_accumulator_value: params.initialAccumulator,
      batch_size: params.batch,
      train_steps: params.trainSteps,
      shuffle_buffer: params.shuffleBuffer,
      kernel_initializer: 'glorot_uniform',
      bias_initializer: 'zeros',
      loss_reduction: 'sum_over_batch_size',
      seed: ctx.seed,
    },
    lines: [`Test set accuracy: ${accuracy.toFixed(3)}`, ...predictions.map((p) => `Prediction is "${p.predicted}" (${(100 * p.probability).toFixed(1)}%), expected "${p.expected}"`)],
    details: { testCorrect: out.testCorrect, testCount: out.testCount, predictions, variableChange: { leastTrained: moved.leastName, byVariable: moved.byVariable } },
  };
};
