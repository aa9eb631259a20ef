import type * as tfc from '@tensorflow/tfjs-core';
import type { ModelVariables } from '../training/trainable-model.js';

export const IMAGE_SIZE = 28;
export const NUM_LABELS = 10;

export interface LenetVariables {
  conv1Weights: tfc.Variable<tfc.Rank.R4>;
  conv1Biases: tfc.Variable<tfc.Rank.R1>;
  conv2Weights: tfc.Variable<tfc.Rank.R4>;
  conv2Biases: tfc.Variable<tfc.Rank.R1>;
  fc1Weights: tfc.Variable<tfc.Rank.R2>;
  fc1Biases: tfc.Variable<tfc.Rank.R1>;
  fc2Weights: tfc.Variable<tfc.Rank.R2>;
  fc2Biases: tfc.Variable<tfc.Rank.R1>;
}

/**
 * convolutional.py's variables: truncated normal (std 0.1, re-drawn beyond 2 std) weights;
 * conv1 biases zero, every other bias 0.1. Each draw gets its own seed from `nextSeed`.
 */
export function createLenetVariables(tf: typeof tfc, nextSeed: () => number): LenetVariables {
  // Inside tidy, so the initial-value tensors are released once the variables hold their data.
  return tf.tidy(() => createVariables(tf, nextSeed) as unknown as tfc.NamedTensorMap) as unknown as LenetVariables;
}

function createVariables(tf: typeof tfc, nextSeed: () => number): LenetVariables {
  const weights = <R extends tfc.Rank>(shape: number[]): tfc.Variable<R> =>
    tf.variable(tf.truncatedNormal(shape, 0, 0.1, 'float32', nextSeed())) as unknown as tfc.Variable<R>;
  const fcInputs = (IMAGE_SIZE / 4) * (IMAGE_SIZE / 4) * 64;
  return {
    conv1Weights: weights([5, 5, 1, 32]),
    conv1Biases: tf.variable(tf.zeros([32])),
    conv2Weights: weights([5, 5, 32, 64]),
    conv2Biases: tf.variable(tf.fill([64], 0.1)),
    fc1Weights: weights([fcInputs, 512]),
    fc1Biases: tf.variable(tf.fill([512], 0.1)),
    fc2Weights: weights([512, NUM_LABELS]),
    fc2Biases: tf.variable(tf.fill([NUM_LABELS], 0.1)),
  };
}

export interface DropoutSpec {
  rate: number;
  seed: number;
}

/** A model the LeNet training loop can train (the workload's own, or a calibration baseline). */
export interface LenetModel extends ModelVariables {
  /** Class logits for NHWC images normalised as convolutional.py does; dropout only while training. */
  logits(images: tfc.Tensor4D, dropout: DropoutSpec | null): tfc.Tensor2D;
  /** The weight-decay term the loss adds, times `l2` (convolutional.py: the fc weights and biases). */
  regularizer(): tfc.Scalar;
}

/** Builds a model; `nextSeed` gives one seed per random initialiser. */
export type LenetModelFactory = (tf: typeof tfc, nextSeed: () => number) => LenetModel;

export const LENET_ARCHITECTURE = 'conv5x5x32 SAME relu, maxpool2, conv5x5x64 SAME relu, maxpool2, fc512 relu, dropout, fc10';

/** convolutional.py's network, every variable trained: what the shipped workload runs. */
export const createLenetModel: LenetModelFactory = (tf, nextSeed) => lenetModelOver(tf, createLenetVariables(tf, nextSeed), () => true);

/** LeNet over `v`, training the variables `isTrained` accepts (a baseline freezes some). */
export function lenetModelOver(tf: typeof tfc, v: LenetVariables, isTrained: (name: keyof LenetVariables) => boolean, architecture = LENET_ARCHITECTURE): LenetModel {
  const names = Object.keys(v) as (keyof LenetVariables)[];
  return {
    variables: { ...v },
    trainable: names.filter(isTrained).map((name) => v[name]),
    architecture,
    logits: (images, dropout) => lenetLogits(tf, v, images, dropout),
    regularizer: () => fcL2Loss(tf, v),
  };
}

/** The model graph: two SAME 5x5 convolutions with relu and 2x2 max pooling, fc512 relu (+dropout when training), fc10. */
export function lenetLogits(tf: typeof tfc, v: LenetVariables, images: tfc.Tensor4D, dropout: DropoutSpec | null): tfc.Tensor2D {
  let x = tf.relu(tf.add(tf.conv2d(images, v.conv1Weights, 1, 'same'), v.conv1Biases)) as tfc.Tensor4D;
  x = tf.maxPool(x, 2, 2, 'same');
  x = tf.relu(tf.add(tf.conv2d(x, v.conv2Weights, 1, 'same'), v.conv2Biases)) as tfc.Tensor4D;
  x = tf.maxPool(x, 2, 2, 'same');
  // NHWC flatten, as convolutional.py reshapes the pooled activations.
  const flat = tf.reshape(x, [x.shape[0], x.shape[1] * x.shape[2] * x.shape[3]]) as tfc.Tensor2D;
  let hidden = tf.relu(tf.add(tf.matMul(flat, v.fc1Weights), v.fc1Biases)) as tfc.Tensor2D;
  if (dropout !== null) hidden = tf.dropout(hidden, dropout.rate, undefined, dropout.seed) as tfc.Tensor2D;
  return tf.add(tf.matMul(hidden, v.fc2Weights), v.fc2Biases) as tfc.Tensor2D;
}

/** tf.nn.l2_loss (sum of squares / 2) of the fully connected weights and biases. */
export const l2Loss = (tf: typeof tfc, t: tfc.Tensor): tfc.Scalar => tf.div(tf.sum(tf.square(t)), 2);

export function fcL2Loss(tf: typeof tfc, v: LenetVariables): tfc.Scalar {
  return tf.addN([l2Loss(tf, v.fc1Weights), l2Loss(tf, v.fc1Biases), l2Loss(tf, v.fc2Weights), l2Loss(tf, v.fc2Biases)]);
}
