import { MlcheckError } from '../../util/errors.js';
import type { VariableChange } from '../training/variable-change.js';
import { stepTimeMetrics } from '../training/step-times.js';
import type { WorkloadOutput } from '../types.js';

export interface VaeEpoch {
  epoch: number;
  steps: number;
  train_loss: number;
  test_loss: number;
}

export interface VaeTraining {
  history: readonly VaeEpoch[];
  stepMs: readonly number[];
  steps: number;
  testSize: number;
  batch: number;
  learningRate: number;
  seed: number;
  architecture: string;
  moved: VariableChange;
  /** The engine's log so far (the epochs' lines); the step-time line is added here. */
  lines: string[];
  artifacts: WorkloadOutput['artifacts'];
  /** Hyperparameters only one engine has (the python engine's framework). */
  extraHyperparameters?: WorkloadOutput['hyperparameters'];
}

/** The VAE's metrics, hyperparameters and details, the same on every engine. */
export function vaeOutput(run: VaeTraining): WorkloadOutput {
  const last = run.history[run.history.length - 1];
  if (last === undefined) throw new MlcheckError('internal', 'vae: no epoch was trained');
  const timing = stepTimeMetrics(run.stepMs);
  const lines = [...run.lines, `${timing.ms_per_step_median.value.toFixed(1)} ms/step (median over ${run.steps} steps; p95 ${timing.ms_per_step_p95.value.toFixed(1)} ms)`];
  return {
    metrics: {
      test_loss: { value: last.test_loss, unit: 'nats/image' },
      train_loss: { value: last.train_loss, unit: 'nats/image' },
      least_variable_change: run.moved.least,
      ...timing,
      steps: { value: run.steps, unit: 'steps' },
      epochs: { value: run.history.length, unit: 'epochs' },
    },
    hyperparameters: {
      architecture: run.architecture,
      ...run.extraHyperparameters,
      loss: 'BCE (sum) + KLD',
      optimizer: 'Adam',
      learning_rate: run.learningRate,
      adam_betas: [0.9, 0.999],
      adam_eps: 1e-8,
      batch_size: run.batch,
      epochs: run.history.length,
      train_steps: run.steps,
      test_size: run.testSize,
      init: 'torch.nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases',
      pixels: 'p / 255',
      shuffle: 'every epoch',
      seed: run.seed,
    },
    lines,
    details: { epochs: run.history, variableChange: { leastTrained: run.moved.leastName, byVariable: run.moved.byVariable } },
    artifacts: run.artifacts,
  };
}
