import type { ParamValue } from '../types.js';

/** convolutional.py's hyperparameters: the `reference` profile; other profiles override some. */
export const lenetDefaults: Readonly<Record<string, ParamValue>> = {
  epochs: 10,
  /** 0: run `epochs` epochs; otherwise exactly this many steps. */
  trainSteps: 0,
  batch: 64,
  learningRate: 0.01,
  decayRate: 0.95,
  momentum: 0.9,
  l2: 5e-4,
  dropout: 0.5,
  validationSize: 5000,
  evalEvery: 100,
  evalSize: 5000,
  testSize: 10000,
};
