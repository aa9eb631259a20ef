import { BatchMatMul, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { transpose2d } from './heap-transpose.js';
import { heapFloat32, release, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

/**
 * The stock wasm BatchMatMul reaches XNNPACK only for a single, untransposed product; with
 * transposeA or transposeB (every matMul gradient) it falls back to a scalar triple loop.
 * Transposing the operand first (linear cost, in JS: the wasm Transpose kernel is slower) keeps the product on the fast path.
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

/** Only for operands whose leading dimensions are all 1, so the swap is a 2-D transpose. */
function swapLastAxes(wasm: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2];
  const cols = x.shape[rank - 1];
  const out = wasm.makeOutput([...x.shape.slice(0, -2), cols, rows], x.dtype);
  transpose2d(heapFloat32(wasm, x), rows, cols, heapFloat32(wasm, out));
  return out;
}
