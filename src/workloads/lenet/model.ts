import type * as tfc from '@tensorflow/tfjs-core';

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

/** The model graph: two SAME 5x5 convolutions with relu and 2x2 max pooling, fc512 relu (+dropout when training), fc10. */
export function lenetLogits(tf: typeof tfc, v: LenetVariables, images: tfc.Tensor4D, dropout: { rate: number; seed: number } | null): tfc.Tensor2D {
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
export function fcL2Loss(tf: typeof tfc, v: LenetVariables): tfc.Scalar {
  const l2 = (t: tfc.Tensor): tfc.Scalar => tf.div(tf.sum(tf.square(t)), 2);
  return tf.addN([l2(v.fc1Weights), l2(v.fc1Biases), l2(v.fc2Weights), l2(v.fc2Biases)]);
}
