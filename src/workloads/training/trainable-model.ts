import type * as tfc from '@tensorflow/tfjs-core';

/**
 * What a training loop needs of a model besides its forward function: the variables it owns (all
 * disposed when training ends) and the ones the optimizer updates. The shipped workloads train
 * every variable; calibration baselines (benchmarks/calibrate-thresholds.mjs) freeze some or all.
 */
export interface ModelVariables {
  /** Every variable, by a name the report uses (e.g. conv1Weights). */
  readonly variables: Readonly<Record<string, tfc.Variable>>;
  /** A subset of `variables`; empty for an untrained model, which the loop only evaluates. */
  readonly trainable: readonly tfc.Variable[];
  /** One line for the report, e.g. "conv5x5x32 SAME relu, ..., fc10". */
  readonly architecture: string;
}

/**
 * One optimizer step on `loss` over the model's trainable variables, returning the loss. A model
 * with nothing to train (an untrained baseline) is only evaluated, so the same loop serves it.
 */
export function trainingStep(tf: typeof tfc, optimizer: tfc.Optimizer, model: ModelVariables, loss: () => tfc.Scalar): tfc.Scalar | null {
  if (model.trainable.length === 0) return tf.tidy(loss);
  return optimizer.minimize(loss, true, [...model.trainable]);
}

export function disposeModel(model: ModelVariables): void {
  for (const variable of Object.values(model.variables)) variable.dispose();
}
