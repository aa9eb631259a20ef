import type * as tfc from '@tensorflow/tfjs-core';
import type { MnistSplit } from '../training/mnist.js';
import type { ModelVariables } from '../training/trainable-model.js';

export interface Linear {
  /** [in, out], so that y = x W + b. */
  weight: tfc.Variable<tfc.Rank.R2>;
  bias: tfc.Variable<tfc.Rank.R1>;
}

export interface VaeVariables {
  fc1: Linear;
  fc21: Linear;
  fc22: Linear;
  fc3: Linear;
  fc4: Linear;
}

export interface VaeSizes {
  input: number;
  hidden: number;
  latent: number;
}

/** torch.nn.Linear's default init: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function createVaeVariables(tf: typeof tfc, sizes: VaeSizes, nextSeed: () => number): VaeVariables {
  const linear = (fanIn: number, fanOut: number): Linear => {
    const bound = 1 / Math.sqrt(fanIn);
    return {
      weight: tf.variable(tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', nextSeed())) as tfc.Variable<tfc.Rank.R2>,
      bias: tf.variable(tf.randomUniform([fanOut], -bound, bound, 'float32', nextSeed())) as tfc.Variable<tfc.Rank.R1>,
    };
  };
  // Inside tidy, so the initial-value tensors are released once the variables hold their data.
  return tf.tidy(() => {
    const v = {
      fc1: linear(sizes.input, sizes.hidden),
      fc21: linear(sizes.hidden, sizes.latent),
      fc22: linear(sizes.hidden, sizes.latent),
      fc3: linear(sizes.latent, sizes.hidden),
      fc4: linear(sizes.hidden, sizes.input),
    };
    return v as unknown as tfc.TensorContainerObject;
  }) as unknown as VaeVariables;
}

/** Every variable by name (fc1.weight, fc1.bias, ..., fc4.bias), as PyTorch's state_dict names them. */
export function vaeVariableRecord(v: VaeVariables): Record<string, tfc.Variable> {
  return Object.fromEntries((Object.keys(v) as (keyof VaeVariables)[]).flatMap((layer) => [[`${layer}.weight`, v[layer].weight], [`${layer}.bias`, v[layer].bias]]));
}

const apply = (tf: typeof tfc, layer: Linear, x: tfc.Tensor2D): tfc.Tensor2D => tf.add(tf.matMul(x, layer.weight), layer.bias) as tfc.Tensor2D;

/** Decoder logits; the image is sigmoid(logits). */
export function decodeLogits(tf: typeof tfc, v: VaeVariables, z: tfc.Tensor2D): tfc.Tensor2D {
  return apply(tf, v.fc4, tf.relu(apply(tf, v.fc3, z)));
}

/** The encoder: the code's mean and log-variance. */
export function encode(tf: typeof tfc, v: VaeVariables, x: tfc.Tensor2D): { mu: tfc.Tensor2D; logvar: tfc.Tensor2D } {
  const h1 = tf.relu(apply(tf, v.fc1, x));
  return { mu: apply(tf, v.fc21, h1), logvar: apply(tf, v.fc22, h1) };
}

/**
 * BCE(sigmoid(logits), x) with reduction 'sum', computed from the logits: the same value without
 * the log(0) that PyTorch clamps at -100.
 */
export function bceSum(tf: typeof tfc, logits: tfc.Tensor2D, x: tfc.Tensor2D): tfc.Scalar {
  return tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/** KL(N(mu, exp(logvar)) || N(0, 1)), summed over the batch. */
export function kldSum(tf: typeof tfc, mu: tfc.Tensor2D, logvar: tfc.Tensor2D): tfc.Scalar {
  return tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))));
}

/** vae/main.py's forward pass and loss_function: BCE(reduction='sum') + KLD, summed over the batch. */
export function vaeLoss(tf: typeof tfc, v: VaeVariables, x: tfc.Tensor2D, eps: tfc.Tensor2D): { loss: tfc.Scalar; logits: tfc.Tensor2D } {
  const { mu, logvar } = encode(tf, v, x);
  const z = tf.add(mu, tf.mul(eps, tf.exp(tf.mul(0.5, logvar)))) as tfc.Tensor2D;
  const logits = decodeLogits(tf, v, z);
  return { loss: tf.add(bceSum(tf, logits, x), kldSum(tf, mu, logvar)) as tfc.Scalar, logits };
}

/** A model the VAE training loop can train (the workload's own, or a calibration baseline). */
export interface VaeModel extends ModelVariables {
  /** main.py's loss (summed over the batch) for images x in [0, 1] and N(0, 1) noise eps, and the reconstruction logits. */
  loss(x: tfc.Tensor2D, eps: tfc.Tensor2D): { loss: tfc.Scalar; logits: tfc.Tensor2D };
  /** Decoder logits for latent codes (the sample grid). */
  decode(z: tfc.Tensor2D): tfc.Tensor2D;
}

export interface VaeModelSetup {
  sizes: VaeSizes;
  /** One seed per random initialiser. */
  nextSeed: () => number;
  /** The training images (a baseline may derive its output from them). */
  train: MnistSplit;
}

export type VaeModelFactory = (tf: typeof tfc, setup: VaeModelSetup) => VaeModel;

export const vaeArchitecture = (sizes: VaeSizes): string =>
  `${sizes.input}-${sizes.hidden}-(${sizes.latent},${sizes.latent})-${sizes.hidden}-${sizes.input}, relu, sigmoid output`;

/** main.py's VAE, every variable trained: what the shipped workload runs. */
export const createVaeModel: VaeModelFactory = (tf, { sizes, nextSeed }) => {
  const v = createVaeVariables(tf, sizes, nextSeed);
  const variables = vaeVariableRecord(v);
  return {
    variables,
    trainable: Object.values(variables),
    architecture: vaeArchitecture(sizes),
    loss: (x, eps) => vaeLoss(tf, v, x, eps),
    decode: (z) => decodeLogits(tf, v, z),
  };
};
