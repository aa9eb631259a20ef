import { Sum, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapFloat32, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

/**
 * Bias gradients sum dy over its leading axes (batch, rows, columns). The stock wasm Sum first
 * moves the reduced axes innermost with its slow Transpose; a column sum reads dy once, in order.
 * Other reductions go to the stock kernel.
 */
export function sumConfigOver(stock: KernelConfig): TaggedKernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs = {} }) => {
    const wasm = backend as BackendWasm;
    const x = inputs.x as TensorInfo;
    const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
    const leading = axes.every((axis, i) => axis === i);
    const kept = x.shape.slice(axes.length);
    const inner = util.sizeFromShape(kept);
    if (x.dtype !== 'float32' || !leading || axes.length === 0 || inner <= 1) {
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const outShape = attrs.keepDims === true ? [...axes.map(() => 1), ...kept] : kept;
    const out = wasm.makeOutput(outShape, 'float32');
    const values = heapFloat32(wasm, x);
    const sums = heapFloat32(wasm, out);
    sums.fill(0);
    const outer = util.sizeFromShape(x.shape.slice(0, axes.length));
    // Four rows per pass: a quarter of the loads and stores of the running sums.
    let i = 0;
    for (; i + 4 <= outer; i += 4) {
      const r0 = i * inner;
      const r1 = r0 + inner;
      const r2 = r1 + inner;
      const r3 = r2 + inner;
      for (let j = 0; j < inner; j++) sums[j] += values[r0 + j] + values[r1 + j] + (values[r2 + j] + values[r3 + j]);
    }
    for (; i < outer; i++) {
      for (let j = 0, at = i * inner; j < inner; j++) sums[j] += values[at++];
    }
    return out;
  };
  return { ...stock, kernelName: Sum, backendName: WASM_BACKEND, kernelFunc };
}
