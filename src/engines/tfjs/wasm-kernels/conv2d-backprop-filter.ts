import { BatchMatMul, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forwardConvInfo } from './conv-geometry.js';
import { transpose2d } from './heap-transpose.js';
import { im2colTransposed } from './im2col.js';
import { heapFloat32, release, runWasmKernel, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

type Shape4 = [number, number, number, number];

/**
 * dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*s+kh-top, ow*s+kw-left, ci] * dy[n,oh,ow,co],
 * i.e. patches^T (fh*fw*Ci x N*Ho*Wo) times dy (N*Ho*Wo x Co). The patch matrix is written in
 * JS straight into the wasm heap; the product runs on the backend's XNNPACK matmul, and its
 * [fh*fw*Ci, Co] result already has the filter's layout.
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
  return { ...product, shape: [...filterShape] };
};

export const conv2DBackpropFilterConfig: TaggedKernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc: conv2DBackpropFilterWasm,
};
