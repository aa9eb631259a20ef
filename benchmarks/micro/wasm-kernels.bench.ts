// The training kernels mlcheck adds to tfjs-backend-wasm (src/engines/tfjs/wasm-kernels), at
// LeNet's shapes (batch 64): each gradient as one LeNet training step computes it.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { bench, describe } from 'vitest';
import { registerWasmTrainingKernels } from '../../src/engines/tfjs/wasm-kernels/index.js';
import { benchOptions } from './options.js';

const random = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

/** Runs `compute` and waits for its result, so the time includes the kernel, not only its dispatch. */
async function run(compute: () => tf.Tensor): Promise<void> {
  const result = compute();
  await result.data();
  result.dispose();
}

// vitest runs no beforeAll around benchmarks: the backend is set up when the module loads.
await registerWasmTrainingKernels();
await tf.setBackend('wasm');
await tf.ready();

describe('wasm training kernels (LeNet, batch 64)', () => {
  const t = {
    x1: random([64, 28, 28, 1], 1),
    dy1: random([64, 28, 28, 32], 2),
    x2: random([64, 14, 14, 32], 3),
    dy2: random([64, 14, 14, 64], 4),
    filter2: random([5, 5, 32, 64], 5),
    pooled: random([64, 28, 28, 32], 6),
    poolOut: tf.maxPool(random([64, 28, 28, 32], 6) as tf.Tensor4D, 2, 2, 'same'),
    dyPool: random([64, 14, 14, 32], 7),
    fcIn: random([64, 3136], 8),
    fcDy: random([64, 512], 9),
    fcWeights: random([3136, 512], 10),
  };

  const same = { strides: 1, pad: 'same', dataFormat: 'NHWC' } as const;
  const kernel = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) => () => tf.engine().runKernel(name, inputs, { ...same, ...attrs }) as tf.Tensor;
  bench('Conv2DBackpropFilter conv1 (im2col form)', () => run(kernel('Conv2DBackpropFilter', { x: t.x1, dy: t.dy1 }, { filterShape: [5, 5, 1, 32] })), benchOptions);
  bench('Conv2DBackpropFilter conv2 (convolution form)', () => run(kernel('Conv2DBackpropFilter', { x: t.x2, dy: t.dy2 }, { filterShape: [5, 5, 32, 64] })), benchOptions);
  bench('Conv2DBackpropInput conv2', () => run(kernel('Conv2DBackpropInput', { dy: t.dy2, filter: t.filter2 }, { inputShape: [64, 14, 14, 32] })), benchOptions);
  bench('MaxPoolGrad pool1', () => run(kernel('MaxPoolGrad', { dy: t.dyPool, input: t.pooled, output: t.poolOut }, { filterSize: 2, strides: 2, pad: 'same' })), benchOptions);
  bench('BatchMatMul fc1 dx = dy . W^T', () => run(() => tf.matMul(t.fcDy, t.fcWeights, false, true)), benchOptions);
  bench('BatchMatMul fc1 dW = x^T . dy', () => run(() => tf.matMul(t.fcIn, t.fcDy, true, false)), benchOptions);
});
