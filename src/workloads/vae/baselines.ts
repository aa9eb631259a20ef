import type * as tfc from '@tensorflow/tfjs-core';
import { MNIST_PIXELS, type MnistSplit } from '../training/mnist.js';
import { bceSum, createVaeModel, createVaeVariables, decodeLogits, encode, kldSum, vaeArchitecture, vaeVariableRecord, type VaeModel, type VaeModelFactory } from './model.js';

/**
 * Broken models that the quality threshold must reject, trained by the same loop, optimizer,
 * schedule and data as the workload (docs/design.md §4). Only benchmarks/calibrate-thresholds.mjs
 * uses them; no profile or command-line option can select one.
 */
export const vaeBaselines: Readonly<Record<string, { description: string; createModel: VaeModelFactory }>> = {
  untrained: {
    description: 'the VAE at its initial weights (no variable trained)',
    createModel: (tf, setup) => ({ ...createVaeModel(tf, setup), trainable: [] }),
  },
  'mean-image': {
    description: 'a decoder that outputs the mean training image for every input, KLD 0 (the best constant output)',
    createModel: (tf, { train }) => meanImageDecoder(tf, train),
  },
  'encoder-ignored': {
    description: 'the VAE with its decoder fed N(0, 1) noise only, never the encoder\'s code (KLD still in the loss); every variable trained',
    createModel: (tf, { sizes, nextSeed }) => {
      const v = createVaeVariables(tf, sizes, nextSeed);
      const variables = vaeVariableRecord(v);
      return {
        variables,
        trainable: Object.values(variables),
        architecture: `${vaeArchitecture(sizes)}; decoder input: noise only (encoder-ignored baseline)`,
        loss: (x, eps) => {
          const { mu, logvar } = encode(tf, v, x);
          const logits = decodeLogits(tf, v, eps);
          return { loss: tf.add(bceSum(tf, logits, x), kldSum(tf, mu, logvar)) as tfc.Scalar, logits };
        },
        decode: (z) => decodeLogits(tf, v, z),
      };
    },
  },
};

/** Logits of the per-pixel mean of the training images, clamped away from 0 and 1; nothing to train. */
function meanImageDecoder(tf: typeof tfc, train: MnistSplit): VaeModel {
  const mean = new Float64Array(MNIST_PIXELS);
  for (let i = 0; i < train.count; i++) {
    const offset = i * MNIST_PIXELS;
    for (let k = 0; k < MNIST_PIXELS; k++) mean[k] += train.pixels[offset + k];
  }
  const logits = new Float32Array(MNIST_PIXELS);
  for (let k = 0; k < MNIST_PIXELS; k++) {
    const p = Math.min(Math.max(mean[k] / (255 * train.count), 1e-6), 1 - 1e-6);
    logits[k] = Math.log(p / (1 - p));
  }
  // Inside tidy, so the initial-value tensor is released once the variable holds its data.
  const bias = tf.tidy(() => tf.variable(tf.tensor2d(logits, [1, MNIST_PIXELS]), false));
  const constant = (rows: number): tfc.Tensor2D => tf.tile(bias, [rows, 1]) as tfc.Tensor2D;
  return {
    variables: { meanImage: bias },
    trainable: [],
    architecture: 'the mean training image for every input, KLD 0 (mean-image baseline)',
    loss: (x) => {
      const reconstruction = constant(x.shape[0]);
      return { loss: bceSum(tf, reconstruction, x), logits: reconstruction };
    },
    decode: (z) => constant(z.shape[0]),
  };
}
