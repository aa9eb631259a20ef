import { Conv2D, Conv2DBackpropFilter, Slice, Transpose } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { explicitPadding, forwardConvInfo } from './conv-geometry.js';
import { conv2DBackpropFilterReference } from './conv2d-reference.js';
import { heapFloat32, release, runWasmKernel, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

type Shape4 = [number, number, number, number];

/**
 * dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*s+kh-top, ow*s+kw-left, ci] * dy[n,oh,ow,co].
 * That is itself a convolution, so it runs on the backend's XNNPACK Conv2D: the input is x with
 * channels and batch swapped ([Ci,H,W,N]), the filter is dy as [Ho,Wo,N,Co] dilated by the
 * forward stride, and the output [Ci,fh,fw,Co] is transposed back.
 */
export const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const filterShape = attrs.filterShape as Shape4;
  const info = forwardConvInfo(x.shape as Shape4, filterShape, attrs);
  if (info.dataFormat !== 'channelsLast') {
    throw new Error("tfjs wasm backend: Conv2DBackpropFilter supports dataFormat 'NHWC' only.");
  }
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;
  if (top < 0 || left < 0 || top >= filterHeight || left >= filterWidth) {
    return referenceFallback(wasm, x, dy, filterShape, info);
  }

  const temporaries: TensorInfo[] = [];
  let channelsFirst = runWasmKernel(Transpose, wasm, { x }, { perm: [3, 1, 2, 0] });
  temporaries.push(channelsFirst);
  if (bottom < 0 || right < 0) {
    // The last rows/columns of x fall between strides and never reach the output.
    const [ci, h, w, n] = channelsFirst.shape;
    channelsFirst = runWasmKernel(
      Slice,
      wasm,
      { x: channelsFirst },
      { begin: [0, 0, 0, 0], size: [ci, h + Math.min(bottom, 0), w + Math.min(right, 0), n] },
    );
    temporaries.push(channelsFirst);
  }
  const dyAsFilter = runWasmKernel(Transpose, wasm, { x: dy }, { perm: [1, 2, 0, 3] });
  temporaries.push(dyAsFilter);
  const gradient = runWasmKernel(
    Conv2D,
    wasm,
    { x: channelsFirst, filter: dyAsFilter },
    {
      strides: [1, 1],
      pad: explicitPadding(top, Math.max(bottom, 0), left, Math.max(right, 0)),
      dataFormat: 'NHWC',
      dilations: [strideHeight, strideWidth],
    },
  );
  temporaries.push(gradient);
  const result = runWasmKernel(Transpose, wasm, { x: gradient }, { perm: [1, 2, 0, 3] });
  release(wasm, ...temporaries);
  return result;
};

function referenceFallback(
  wasm: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: Shape4,
  info: ReturnType<typeof forwardConvInfo>,
): TensorInfo {
  const out = wasm.makeOutput(filterShape, 'float32');
  conv2DBackpropFilterReference(heapFloat32(wasm, x), heapFloat32(wasm, dy), info, heapFloat32(wasm, out));
  return out;
}

export const conv2DBackpropFilterConfig: TaggedKernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc: conv2DBackpropFilterWasm,
};
