import type * as tfc from '@tensorflow/tfjs-core';
import type { ModelVariables } from '../training/trainable-model.js';

/** A model the iris training loop can train (the workload's own, or a calibration baseline). */
export interface IrisModel extends ModelVariables {
  /** Class logits for rows of the four raw features. */
  logits(x: tfc.Tensor2D): tfc.Tensor2D;
}

export interface IrisModelSetup {
  featureCount: number;
  classes: number;
  hiddenUnits: readonly number[];
  /** One seed per random initialiser. */
  nextSeed: () => number;
}

export type IrisModelFactory = (tf: typeof tfc, setup: IrisModelSetup) => IrisModel;

/** A dense layer with the estimator's defaults: Glorot-uniform kernel, zero bias. */
export interface Dense {
  kernel: tfc.Variable;
  bias: tfc.Variable;
}

/** Call inside tf.tidy, so the initial-value tensors are released once the variables hold their data. */
export function glorotDense(tf: typeof tfc, fanIn: number, fanOut: number, nextSeed: () => number): Dense {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return {
    kernel: tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', nextSeed())),
    bias: tf.variable(tf.zeros([fanOut])),
  };
}

export const applyDense = (tf: typeof tfc, layer: Dense, x: tfc.Tensor2D): tfc.Tensor2D => tf.add(tf.matMul(x, layer.kernel), layer.bias) as tfc.Tensor2D;

/** DNNClassifier(hidden_units, n_classes): dense relu layers, then a linear layer to the class logits. */
export const createIrisDnn: IrisModelFactory = (tf, { featureCount, classes, hiddenUnits, nextSeed }) => {
  const sizes = [featureCount, ...hiddenUnits, classes];
  const layers = tf.tidy(() => sizes.slice(1).map((fanOut, i) => glorotDense(tf, sizes[i], fanOut, nextSeed)) as unknown as tfc.TensorContainer) as unknown as Dense[];
  const name = (i: number): string => (i === layers.length - 1 ? 'logits' : `hiddenlayer_${i}`);
  const variables = Object.fromEntries(layers.flatMap((layer, i) => [[`${name(i)}/kernel`, layer.kernel], [`${name(i)}/bias`, layer.bias]]));
  return {
    variables,
    trainable: Object.values(variables),
    architecture: `DNNClassifier hidden [${hiddenUnits.join(', ')}], relu, ${classes} classes`,
    logits: (x) => layers.reduce((h, layer, i) => (i < layers.length - 1 ? tf.relu(applyDense(tf, layer, h)) : applyDense(tf, layer, h)), x),
  };
};
