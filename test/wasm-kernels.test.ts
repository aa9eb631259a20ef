import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/engines/tfjs/wasm-kernels/index.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number;
interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

const RELATIVE_TOLERANCE = 1e-4;

async function on(backend: 'cpu' | 'wasm', run: () => tf.Tensor): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const tensor = run();
  const values = (await tensor.data()) as Float32Array;
  const shape = tensor.shape;
  tensor.dispose();
  return { shape, values };
}

/** Runs the same computation (random inputs from fixed seeds) on cpu and wasm; returns max |diff| / max |cpu|. */
async function relativeError(run: () => tf.Tensor): Promise<number> {
  const reference = await on('cpu', run);
  const wasm = await on('wasm', run);
  expect(wasm.shape).toEqual(reference.shape);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < reference.values.length; i++) {
    worst = Math.max(worst, Math.abs(reference.values[i] - wasm.values[i]));
    scale = Math.max(scale, Math.abs(reference.values[i]));
  }
  expect(scale).toBeGreaterThan(0);
  return worst / scale;
}

const random = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

function outputShape(c: ConvCase): number[] {
  return tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
}

const convCases: ConvCase[] = [
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 9, 3], filter: [3, 2, 3, 4], strides: 2, pad: 'same' },
  { x: [3, 8, 7, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'valid' },
  { x: [1, 6, 6, 1], filter: [3, 3, 1, 2], strides: [2, 1], pad: 'valid' },
  { x: [2, 9, 8, 3], filter: [4, 3, 3, 2], strides: 3, pad: 'same' },
  { x: [2, 7, 7, 2], filter: [2, 2, 2, 3], strides: 1, pad: 1 },
  { x: [2, 6, 6, 2], filter: [2, 2, 2, 3], strides: 2, pad: 3 },
  // LeNet's second convolution, batch 4.
  { x: [4, 14, 14, 32], filter: [5, 5, 32, 64], strides: 1, pad: 'same' },
  // At least MIN_CHANNELS_FOR_CONVOLUTION input channels: the filter gradient runs as a convolution.
  { x: [2, 7, 9, 8], filter: [3, 2, 8, 4], strides: 2, pad: 'same' },
  { x: [3, 8, 7, 8], filter: [3, 3, 8, 5], strides: 2, pad: 'valid' },
  { x: [2, 9, 8, 9], filter: [4, 3, 9, 2], strides: 3, pad: 'same' },
  { x: [1, 10, 9, 8], filter: [3, 3, 8, 3], strides: [2, 3], pad: 'valid' },
  { x: [2, 6, 6, 8], filter: [2, 2, 8, 3], strides: 2, pad: 3 },
  { x: [2, 7, 7, 10], filter: [2, 2, 10, 3], strides: 1, pad: 1 },
];

describe('wasm training kernels', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  it('registers Conv2DBackpropFilter for wasm, which tfjs-backend-wasm lacks', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  describe.each(convCases)('conv x=$x filter=$filter strides=$strides pad=$pad', (c) => {
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' } as const;

    it('Conv2DBackpropFilter matches the cpu backend', async () => {
      const dyShape = await tf.setBackend('cpu').then(() => outputShape(c));
      const error = await relativeError(() =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: random(c.x, 1), dy: random(dyShape, 2) }, { ...attrs, filterShape: c.filter }) as tf.Tensor,
      );
      expect(error).toBeLessThan(RELATIVE_TOLERANCE);
    });

    it('Conv2DBackpropInput matches the cpu backend', async () => {
      const dyShape = await tf.setBackend('cpu').then(() => outputShape(c));
      const error = await relativeError(() =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: random(dyShape, 2), filter: random(c.filter, 3) }, { ...attrs, inputShape: c.x }) as tf.Tensor,
      );
      expect(error).toBeLessThan(RELATIVE_TOLERANCE);
    });
  });

  it.each([
    { x: [2, 6, 6, 3], size: 2, strides: 2, pad: 'same' as Pad },
    { x: [2, 7, 5, 2], size: 3, strides: 2, pad: 'same' as Pad },
    { x: [2, 7, 7, 2], size: 3, strides: 1, pad: 'valid' as Pad },
    { x: [4, 28, 28, 32], size: 2, strides: 2, pad: 'same' as Pad },
  ])('MaxPoolGrad matches the cpu backend: $x size $size strides $strides $pad', async (c) => {
    const error = await relativeError(() => {
      // relu makes ties (zeros) common, so the first-maximum rule is exercised too.
      const input = tf.relu(random(c.x, 5)) as tf.Tensor4D;
      const output = tf.maxPool(input, c.size, c.strides, c.pad);
      return tf.engine().runKernel(
        'MaxPoolGrad',
        { dy: random(output.shape, 6), input, output },
        { filterSize: c.size, strides: c.strides, pad: c.pad },
      ) as tf.Tensor;
    });
    expect(error).toBeLessThan(RELATIVE_TOLERANCE);
  });

  it.each([
    { a: [5, 7], b: [5, 3], transposeA: true, transposeB: false },
    { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
    { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
    { a: [2, 5, 7], b: [2, 5, 3], transposeA: true, transposeB: false },
    { a: [64, 300], b: [64, 40], transposeA: true, transposeB: false },
    // Cheaper as (op(B)^T op(A)^T)^T: the large operand is used as stored.
    { a: [4, 16], b: [50, 16], transposeA: false, transposeB: true },
    { a: [16, 4], b: [50, 16], transposeA: true, transposeB: true },
    { a: [1, 4, 16], b: [1, 50, 16], transposeA: false, transposeB: true },
    { a: [40, 3], b: [40, 70], transposeA: true, transposeB: false },
  ])('BatchMatMul $a x $b (transposeA $transposeA, transposeB $transposeB) matches the cpu backend', async (c) => {
    const error = await relativeError(() => tf.matMul(random(c.a, 1), random(c.b, 2), c.transposeA, c.transposeB));
    expect(error).toBeLessThan(RELATIVE_TOLERANCE);
  });

  it.each([
    { axes: [0, 1, 2], keepDims: false },
    { axes: [1, 0], keepDims: true },
    { axes: [1], keepDims: false },
    { axes: [0, 1, 2, 3], keepDims: false },
  ])('Sum over axes $axes (keepDims $keepDims) matches the cpu backend', async (c) => {
    const error = await relativeError(() => tf.sum(random([4, 5, 6, 7], 1), c.axes, c.keepDims));
    expect(error).toBeLessThan(RELATIVE_TOLERANCE);
  });

  it('Identity and same-dtype Cast share the input memory and keep the values', async () => {
    await tf.setBackend('wasm');
    const x = random([3, 5], 7);
    const before = tf.backend().numDataIds();
    const copies = [tf.clone(x), tf.cast(x, 'float32'), tf.engine().runKernel('Identity', { x }) as tf.Tensor];
    expect(tf.backend().numDataIds()).toBe(before);
    const expected = await x.data();
    x.dispose();
    for (const copy of copies) expect(await copy.data()).toEqual(expected);
    const asInt = tf.cast(copies[0], 'int32');
    expect(asInt.dtype).toBe('int32');
    expect(Array.from(await asInt.data())).toEqual(Array.from(expected, (v) => Math.trunc(v) | 0));
    tf.dispose([...copies, asInt]);
    expect(tf.backend().numDataIds()).toBe(before - 1);
  });

  it('releases every temporary it allocates on the wasm heap', async () => {
    await tf.setBackend('wasm');
    const x = random([2, 7, 9, 3], 1);
    const dy = random([2, 4, 5, 4], 2);
    const filter = random([3, 3, 3, 4], 3);
    const wideX = random([2, 7, 9, 8], 4);
    const before = tf.backend().numDataIds();
    for (let i = 0; i < 3; i++) {
      const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC' };
      tf.dispose([
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, 3, 4] }) as tf.Tensor,
        tf.engine().runKernel('Conv2DBackpropFilter', { x: wideX, dy }, { ...attrs, filterShape: [3, 3, 8, 4] }) as tf.Tensor,
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: [2, 7, 9, 3] }) as tf.Tensor,
      ]);
      tf.tidy(() => tf.matMul(tf.reshape(x, [14, 27]), tf.reshape(x, [14, 27]), true, false).dispose());
      tf.tidy(() => tf.matMul(tf.reshape(dy, [4, 40]), tf.slice(tf.reshape(x, [9, 42]), [0, 0], [9, 40]), false, true).dispose());
      tf.tidy(() => tf.matMul(tf.reshape(dy, [40, 4]), tf.slice(tf.reshape(x, [9, 42]), [0, 0], [9, 40]), true, true).dispose());
    }
    expect(tf.backend().numDataIds()).toBe(before);
    tf.dispose([x, dy, filter, wideX]);
  });
});
