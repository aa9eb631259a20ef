import { BatchMatMul, Transpose, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release, runWasmKernel, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

/**
 * The stock wasm BatchMatMul reaches XNNPACK only for a single, untransposed product; with
 * transposeA or transposeB (every matMul gradient) it falls back to a scalar triple loop.
 * Transposing the operand first (linear cost) keeps the product on the fast path.
 */
export function batchMatMulConfigOver(stock: KernelConfig): TaggedKernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs = {} }) => {
    const wasm = backend as BackendWasm;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transposeA = attrs.transposeA === true;
    const transposeB = attrs.transposeB === true;
    const single = util.sizeFromShape(a.shape.slice(0, -2)) === 1 && util.sizeFromShape(b.shape.slice(0, -2)) === 1;
    if ((!transposeA && !transposeB) || !single || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const temporaries: TensorInfo[] = [];
    const aReady = transposeA ? swapLastAxes(wasm, a) : a;
    const bReady = transposeB ? swapLastAxes(wasm, b) : b;
    if (aReady !== a) temporaries.push(aReady);
    if (bReady !== b) temporaries.push(bReady);
    const product = stock.kernelFunc({
      inputs: { a: aReady, b: bReady },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }) as TensorInfo;
    release(wasm, ...temporaries);
    return product;
  };
  return { ...stock, kernelName: BatchMatMul, backendName: WASM_BACKEND, kernelFunc };
}

function swapLastAxes(wasm: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runWasmKernel(Transpose, wasm, { x }, { perm });
}
