import { BatchMatMul, Conv2D, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type { backend_util, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { explicitPadding, forwardConvInfo } from './conv-geometry.js';
import { transpose2d } from './heap-transpose.js';
import { im2colTransposed } from './im2col.js';
import { heapFloat32, release, runWasmKernel, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

type Shape4 = [number, number, number, number];

/**
 * Below this many input channels the gradient is an explicit patch-matrix product: the
 * convolution form would have only fh*fw*Ci output pixels, too few rows for XNNPACK's
 * convolution to run fast (LeNet's first layer: 25 rows, 7x slower than the product).
 */
export const MIN_CHANNELS_FOR_CONVOLUTION = 8;

/**
 * dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*sh+kh-top, ow*sw+kw-left, ci] * dy[n,oh,ow,co].
 */
export const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs = {} }) => {
  const wasm = backend as BackendWasm;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const filterShape = attrs.filterShape as Shape4;
  const info = forwardConvInfo(x.shape as Shape4, filterShape, attrs);
  if (info.dataFormat !== 'channelsLast') {
    throw new Error("tfjs wasm backend: Conv2DBackpropFilter supports dataFormat 'NHWC' only.");
  }
  return info.inChannels >= MIN_CHANNELS_FOR_CONVOLUTION ? filterGradientByConvolution(wasm, x, dy, info) : filterGradientByPatches(wasm, x, dy, info);
};

/**
 * Patches^T (fh*fw*Ci x N*Ho*Wo), written in JS straight into the wasm heap, times dy
 * (N*Ho*Wo x Co) on the backend's XNNPACK matmul; the [fh*fw*Ci, Co] result already has the
 * filter's layout.
 */
export function filterGradientByPatches(wasm: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const pixels = batchSize * inHeight * inWidth;
  const positions = batchSize * outHeight * outWidth;
  const patchRows = filterHeight * filterWidth * inChannels;

  const planar = wasm.makeOutput([inChannels, pixels], 'float32');
  const patches = wasm.makeOutput([patchRows, positions], 'float32');
  // Views are taken after the last allocation: a heap growth would detach earlier ones.
  const planarView = heapFloat32(wasm, planar);
  transpose2d(heapFloat32(wasm, x), pixels, inChannels, planarView);
  im2colTransposed(planarView, info, heapFloat32(wasm, patches));
  release(wasm, planar);

  const dyAsMatrix: TensorInfo = { dataId: dy.dataId, shape: [positions, outChannels], dtype: dy.dtype };
  const product = runWasmKernel(BatchMatMul, wasm, { a: patches, b: dyAsMatrix }, { transposeA: false, transposeB: false });
  release(wasm, patches);
  return { ...product, shape: [filterHeight, filterWidth, inChannels, outChannels] };
}

/**
 * The same sum is itself a convolution, run on the backend's XNNPACK Conv2D: the input is x with batch and
 * channels swapped ([ci][h][w][n]: ci is the batch, n the channels summed over), the filter is
 * dy as [oh][ow][n][co] with dilation = the forward stride, and the output [ci][kh][kw][co]
 * is the filter gradient up to a swap of its two leading blocks. XNNPACK gathers the patches
 * through its indirection buffer on all its threads, so the single-threaded JS side only
 * reorders x and dy (linear cost) instead of writing the patch matrix (fh*fw times larger).
 */
export function filterGradientByConvolution(wasm: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Rows/columns past the last one any window reaches are dropped, so the bottom/right padding is never negative.
  const usedHeight = Math.min(inHeight, (outHeight - 1) * strideHeight + filterHeight - top);
  const usedWidth = Math.min(inWidth, (outWidth - 1) * strideWidth + filterWidth - left);
  const out = wasm.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  if (usedHeight <= 0 || usedWidth <= 0 || batchSize * outHeight * outWidth === 0) {
    heapFloat32(wasm, out).fill(0); // every window lies in the padding
    return out;
  }

  const swappedX = wasm.makeOutput([inChannels, usedHeight, usedWidth, batchSize], 'float32');
  const dyFilter = wasm.makeOutput([outHeight, outWidth, batchSize, outChannels], 'float32');
  swapBatchAndChannels(heapFloat32(wasm, x), [batchSize, inHeight, inWidth, inChannels], usedHeight, usedWidth, heapFloat32(wasm, swappedX));
  batchInsidePositions(heapFloat32(wasm, dy), batchSize, outHeight * outWidth, outChannels, heapFloat32(wasm, dyFilter));
  const bottom = filterHeight + (outHeight - 1) * strideHeight - usedHeight - top;
  const right = filterWidth + (outWidth - 1) * strideWidth - usedWidth - left;
  const perChannel = runWasmKernel(
    Conv2D,
    wasm,
    { x: swappedX, filter: dyFilter },
    { strides: [1, 1], pad: explicitPadding(top, bottom, left, right), dataFormat: 'NHWC', dilations: [strideHeight, strideWidth] },
  );
  // [ci][kh*kw][co] -> [kh*kw][ci][co]
  const taps = filterHeight * filterWidth;
  const source = heapFloat32(wasm, perChannel);
  const target = heapFloat32(wasm, out);
  for (let ci = 0; ci < inChannels; ci++) {
    for (let t = 0; t < taps; t++) {
      const from = (ci * taps + t) * outChannels;
      target.set(source.subarray(from, from + outChannels), (t * inChannels + ci) * outChannels);
    }
  }
  release(wasm, swappedX, dyFilter, perChannel);
  return out;
}

/** x [n][h][w][c] -> [c][h < usedHeight][w < usedWidth][n]. */
function swapBatchAndChannels(
  x: Float32Array,
  [batch, height, width, channels]: Shape4,
  usedHeight: number,
  usedWidth: number,
  out: Float32Array,
): void {
  const plane = usedHeight * usedWidth * batch;
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < usedHeight; h++) {
      let from = ((n * height + h) * width) * channels;
      let to = h * usedWidth * batch + n;
      for (let w = 0; w < usedWidth; w++, to += batch) {
        for (let c = 0, at = to; c < channels; c++, at += plane) out[at] = x[from++];
      }
    }
  }
}

/** dy [n][position][c] -> [position][n][c]. */
function batchInsidePositions(dy: Float32Array, batch: number, positions: number, channels: number, out: Float32Array): void {
  for (let n = 0; n < batch; n++) {
    let from = n * positions * channels;
    for (let p = 0; p < positions; p++) {
      let to = (p * batch + n) * channels;
      for (let c = 0; c < channels; c++) out[to++] = dy[from++];
    }
  }
}

export const conv2DBackpropFilterConfig: TaggedKernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc: conv2DBackpropFilterWasm,
};
