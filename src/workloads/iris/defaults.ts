import type { ParamValue } from '../types.js';

/** premade_estimator.py's hyperparameters: every profile uses them as they are. */
export const irisDefaults: Readonly<Record<string, ParamValue>> = {
  trainSteps: 1000,
  batch: 100,
  learningRate: 0.05,
  initialAccumulator: 0.1,
  hidden1: 10,
  hidden2: 10,
  shuffleBuffer: 1000,
};
