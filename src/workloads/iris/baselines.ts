import type * as tfc from '@tensorflow/tfjs-core';
import { applyDense, createIrisDnn, glorotDense, type Dense, type IrisModelFactory } from './model.js';

/**
 * Broken models that the quality thresholds must reject, trained by the same loop, optimizer,
 * schedule and data as the workload (docs/design.md §4). Only benchmarks/calibrate-thresholds.mjs
 * uses them; no profile or command-line option can select one.
 */
export const irisBaselines: Readonly<Record<string, { description: string; createModel: IrisModelFactory }>> = {
  untrained: {
    description: 'the DNN at its initial weights (no variable trained)',
    createModel: (tf, setup) => ({ ...createIrisDnn(tf, setup), trainable: [] }),
  },
  'linear-softmax': {
    description: 'one dense layer on the four features (4 -> 3 softmax): also what the DNN becomes when relu passes its input through',
    createModel: (tf, { featureCount, classes, nextSeed }) => {
      const layer = tf.tidy(() => glorotDense(tf, featureCount, classes, nextSeed) as unknown as tfc.TensorContainer) as unknown as Dense;
      return {
        variables: { 'logits/kernel': layer.kernel, 'logits/bias': layer.bias },
        trainable: [layer.kernel, layer.bias],
        architecture: `dense ${featureCount} -> ${classes} (linear softmax baseline)`,
        logits: (x) => applyDense(tf, layer, x),
      };
    },
  },
};
