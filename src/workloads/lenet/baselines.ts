import type * as tfc from '@tensorflow/tfjs-core';
import { createLenetVariables, IMAGE_SIZE, l2Loss, lenetModelOver, NUM_LABELS, type LenetModelFactory } from './model.js';

/**
 * Broken models that the quality threshold must reject, trained by the same loop, optimizer,
 * schedule and data as the workload (docs/design.md §4). Only benchmarks/calibrate-thresholds.mjs
 * uses them; no profile or command-line option can select one.
 */
export const lenetBaselines: Readonly<Record<string, { description: string; createModel: LenetModelFactory }>> = {
  untrained: {
    description: 'LeNet at its initial weights (no variable trained)',
    createModel: (tf, nextSeed) => lenetModelOver(tf, createLenetVariables(tf, nextSeed), () => false),
  },
  'linear-softmax': {
    description: 'one fc layer on the raw pixels (784 -> 10 softmax), L2 on it',
    createModel: (tf, nextSeed) => linearSoftmax(tf, nextSeed),
  },
  'frozen-conv-filters': {
    description: 'LeNet whose conv filters never change (conv biases and fc layers trained): what a zeroed Conv2DBackpropFilter kernel gives',
    createModel: (tf, nextSeed) => lenetModelOver(tf, createLenetVariables(tf, nextSeed), (name) => name !== 'conv1Weights' && name !== 'conv2Weights'),
  },
  'frozen-conv': {
    description: 'random conv layers (filters and biases) never trained, fc layers trained: frozen random features plus a trained classifier',
    createModel: (tf, nextSeed) => lenetModelOver(tf, createLenetVariables(tf, nextSeed), (name) => name.startsWith('fc')),
  },
};

function linearSoftmax(tf: typeof tfc, nextSeed: () => number) {
  const pixels = IMAGE_SIZE * IMAGE_SIZE;
  // The same initialisers as LeNet's fc layers: truncated normal std 0.1, biases 0.1.
  const { weights, biases } = tf.tidy(() => ({
    weights: tf.variable(tf.truncatedNormal([pixels, NUM_LABELS], 0, 0.1, 'float32', nextSeed())),
    biases: tf.variable(tf.fill([NUM_LABELS], 0.1)),
  }));
  return {
    variables: { weights, biases },
    trainable: [weights, biases],
    architecture: 'fc10 on the 784 pixels (linear softmax baseline)',
    logits: (images: tfc.Tensor4D) => tf.add(tf.matMul(tf.reshape(images, [images.shape[0], pixels]), weights), biases) as tfc.Tensor2D,
    regularizer: () => tf.add(l2Loss(tf, weights), l2Loss(tf, biases)) as tfc.Scalar,
  };
}
