import { BatchMatMul, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { transpose2d } from './heap-transpose.js';
import { heapFloat32, release, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

/** A JS transpose costs about twice what XNNPACK's weight packing costs per element. */
const TRANSPOSE_COST = 2;

/**
 * The stock wasm BatchMatMul reaches XNNPACK only for a single, untransposed product; with
 * transposeA or transposeB (every matMul gradient) it falls back to a scalar triple loop.
 * Operands are transposed first (in JS: the wasm Transpose kernel is slower) so the product
 * stays on the fast path. Of op(A)·op(B) and (op(B)^T·op(A)^T)^T, the one that moves and
 * packs fewer elements runs: for dx = dy·W^T that transposes dy and the small result instead
 * of the weights (XNNPACK repacks its second operand on every call).
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
    const [aRows, aCols] = a.shape.slice(-2);
    const [bRows, bCols] = b.shape.slice(-2);
    const m = transposeA ? aCols : aRows;
    const k = transposeA ? aRows : aCols;
    const n = transposeB ? bRows : bCols;
    const aSize = aRows * aCols;
    const bSize = bRows * bCols;
    const directCost = TRANSPOSE_COST * ((transposeA ? aSize : 0) + (transposeB ? bSize : 0)) + k * n;
    const swappedCost = TRANSPOSE_COST * ((transposeA ? 0 : aSize) + (transposeB ? 0 : bSize) + m * n) + k * m;
    const outShape = [...(a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2), m, n];
    const untransposed = { ...attrs, transposeA: false, transposeB: false };

    if (directCost <= swappedCost) {
      const aReady = transposeA ? swapLastAxes(wasm, a) : a;
      const bReady = transposeB ? swapLastAxes(wasm, b) : b;
      const product = stock.kernelFunc({ inputs: { a: aReady, b: bReady }, backend, attrs: untransposed }) as TensorInfo;
      release(wasm, ...[aReady, bReady].filter((t) => t !== a && t !== b));
      return { ...product, shape: outShape };
    }
    // op(B)^T is B itself when transposeB, op(A)^T is A itself when transposeA.
    const left = transposeB ? asMatrix(b, bRows, bCols) : swapLastAxes(wasm, b);
    const right = transposeA ? asMatrix(a, aRows, aCols) : swapLastAxes(wasm, a);
    const productT = stock.kernelFunc({ inputs: { a: left, b: right }, backend, attrs: untransposed }) as TensorInfo;
    const out = wasm.makeOutput(outShape, 'float32');
    transpose2d(heapFloat32(wasm, productT), n, m, heapFloat32(wasm, out));
    release(wasm, productT, ...[left, right].filter((t) => t.dataId !== a.dataId && t.dataId !== b.dataId));
    return out;
  };
  return { ...stock, kernelName: BatchMatMul, backendName: WASM_BACKEND, kernelFunc };
}

function asMatrix(x: TensorInfo, rows: number, cols: number): TensorInfo {
  return { dataId: x.dataId, shape: [rows, cols], dtype: x.dtype };
}

/** Only for operands whose leading dimensions are all 1, so the swap is a 2-D transpose. */
function swapLastAxes(wasm: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2];
  const cols = x.shape[rank - 1];
  const out = wasm.makeOutput([cols, rows], x.dtype);
  transpose2d(heapFloat32(wasm, x), rows, cols, heapFloat32(wasm, out));
  return out;
}
