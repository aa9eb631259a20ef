import type * as tfc from '@tensorflow/tfjs-core';

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

export function vaeVariableList(v: VaeVariables): tfc.Variable[] {
  return [v.fc1, v.fc21, v.fc22, v.fc3, v.fc4].flatMap((layer) => [layer.weight, layer.bias]);
}

const apply = (tf: typeof tfc, layer: Linear, x: tfc.Tensor2D): tfc.Tensor2D => tf.add(tf.matMul(x, layer.weight), layer.bias) as tfc.Tensor2D;

/** Decoder logits; the image is sigmoid(logits). */
export function decodeLogits(tf: typeof tfc, v: VaeVariables, z: tfc.Tensor2D): tfc.Tensor2D {
  return apply(tf, v.fc4, tf.relu(apply(tf, v.fc3, z)));
}

/**
 * vae/main.py's forward pass and loss_function: BCE(reduction='sum') + KLD, summed over the
 * batch. BCE is computed from the logits (the same value as BCE of sigmoid(logits), without
 * the log(0) that PyTorch clamps at -100).
 */
export function vaeLoss(tf: typeof tfc, v: VaeVariables, x: tfc.Tensor2D, eps: tfc.Tensor2D): { loss: tfc.Scalar; logits: tfc.Tensor2D } {
  const h1 = tf.relu(apply(tf, v.fc1, x));
  const mu = apply(tf, v.fc21, h1);
  const logvar = apply(tf, v.fc22, h1);
  const z = tf.add(mu, tf.mul(eps, tf.exp(tf.mul(0.5, logvar)))) as tfc.Tensor2D;
  const logits = decodeLogits(tf, v, z);
  const bce = tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
  const kld = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))));
  return { loss: tf.add(bce, kld) as tfc.Scalar, logits };
}
