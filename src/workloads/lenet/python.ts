import type { PythonSession } from '../../engines/python/session.js';
import { kitNumber } from '../../engines/python/protocol.js';
import { hyperparameters, nonNegativeInteger, positiveInteger } from '../training/params.js';
import { round, stepTimeMetrics } from '../training/step-times.js';
import { kitNumbers, runKit, summarizeVariableChange } from '../python-kit.js';
import type { WorkloadRun } from '../types.js';
import { lenetDefaults } from './defaults.js';
import { LENET_ARCHITECTURE } from './model.js';
import { runInstalledExample } from '../installed/run-example.js';

interface LenetKitOutput {
  stepMs: unknown[];
  steps: number;
  trainSize: number;
  validationSize: number;
  evalSize: number;
  testSize: number;
  testErrorPct: unknown;
  validationErrorPct: unknown;
  lastLoss: unknown;
  validationCurve: { step: number; epoch: number; validation_error_pct: number; minibatch_loss: number; learning_rate: number }[];
  variableChange: Record<string, unknown>;
}

/**
 * LeNet on the node's PyTorch or TensorFlow: the kit trains convolutional.py's network with the
 * hyperparameters read here (the same defaults and profile overrides as tfjs), and the metrics,
 * lines and thresholds are the tfjs workload's.
 */
export const lenetPython: WorkloadRun<PythonSession> = async (session, ctx) => {
  if (session.kit === 'installed') return runInstalledExample(session, ctx, 'lenet');
  const param = hyperparameters('lenet', lenetDefaults, ctx.params);
  const params = {
    batch: param.number('batch', positiveInteger),
    epochs: param.number('epochs', (n) => n > 0),
    trainSteps: param.number('trainSteps', nonNegativeInteger),
    learningRate: param.number('learningRate', (n) => n > 0),
    decayRate: param.number('decayRate', (n) => n > 0 && n <= 1),
    momentum: param.number('momentum', (n) => n >= 0 && n < 1),
    l2: param.number('l2', (n) => n >= 0),
    dropout: param.number('dropout', (n) => n >= 0 && n < 1),
    validationSize: param.number('validationSize', positiveInteger),
    evalEvery: param.number('evalEvery', nonNegativeInteger),
    evalSize: param.number('evalSize', positiveInteger),
    testSize: param.number('testSize', positiveInteger),
  };
  const out = (await runKit(session, ctx, 'lenet', { params, datasets: ['mnist'] })) as LenetKitOutput;
  const stepMs = kitNumbers(out.stepMs);
  const timing = stepTimeMetrics(stepMs);
  const moved = summarizeVariableChange(out.variableChange);
  const testError = kitNumber(out.testErrorPct);
  const lastLoss = kitNumber(out.lastLoss);
  return {
    metrics: {
      test_error_pct: { value: round(testError, 3), unit: '%' },
      validation_error_pct: { value: round(kitNumber(out.validationErrorPct), 3), unit: '%' },
      final_minibatch_loss: { value: round(lastLoss, 4), unit: '' },
      least_variable_change: moved.least,
      ...timing,
      steps: { value: out.steps, unit: 'steps' },
    },
    hyperparameters: {
      architecture: LENET_ARCHITECTURE,
      framework: session.framework,
      batch_size: params.batch,
      epochs: round((out.steps * params.batch) / out.trainSize, 3),
      train_steps: out.steps,
      train_size: out.trainSize,
      validation_size: out.validationSize,
      eval_every: params.evalEvery,
      eval_size: out.evalSize,
      test_size: out.testSize,
      optimizer: 'momentum',
      momentum: params.momentum,
      learning_rate: params.learningRate,
      decay_rate: params.decayRate,
      decay: 'staircase per epoch',
      l2_regularization: params.l2,
      dropout_rate: params.dropout,
      init: 'truncated normal std 0.1; biases conv1 0, others 0.1',
      pixels: '(p - 127.5) / 255',
      seed: ctx.seed,
    },
    lines: [
      ...out.validationCurve.map((c) => `Step ${c.step} (epoch ${c.epoch.toFixed(2)}): minibatch loss ${c.minibatch_loss.toFixed(3)}, learning rate ${c.learning_rate.toFixed(6)}, validation error ${c.validation_error_pct.toFixed(1)}%`),
      `${timing.ms_per_step_median.value.toFixed(1)} ms/step (median over ${out.steps} steps, training only; p95 ${timing.ms_per_step_p95.value.toFixed(1)} ms)`,
      `Test error: ${testError.toFixed(1)}%`,
    ],
    details: { validationCurve: out.validationCurve, variableChange: { leastTrained: moved.leastName, byVariable: moved.byVariable }, stepTiming: 'training steps only; validation passes are not included' },
  };
};
