import type { ParamValue } from '../types.js';

/** vae/main.py's hyperparameters: the `reference` profile; other profiles override some. */
export const vaeDefaults: Readonly<Record<string, ParamValue>> = {
  epochs: 10,
  /** 0: run `epochs` epochs; otherwise at most this many steps. */
  trainSteps: 0,
  batch: 128,
  learningRate: 1e-3,
  hidden: 400,
  latent: 20,
  testSize: 10000,
  /** Write reconstruction_<epoch>.png and sample_<epoch>.png. */
  images: true,
};
