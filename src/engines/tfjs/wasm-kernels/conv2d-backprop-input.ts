import { Conv2D, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import type { backend_util, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { explicitPadding, forwardConvInfo } from './conv-geometry.js';
import { conv2DBackpropInputReference } from './conv2d-reference.js';
import { heapFloat32, release, runWasmKernel, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

type Shape4 = [number, number, number, number];

/**
 * dx is the convolution of dy (zeros inserted between rows/columns for stride > 1) with the
 * filter rotated by 180 degrees and its channel axes swapped. Running it on the backend's
 * XNNPACK Conv2D replaces the stock wasm kernel, a scalar loop that dominates a LeNet step.
 */
export const conv2DBackpropInputWasm: KernelFunc = ({ inputs, backend, attrs = {} }) => {
  const wasm = backend as BackendWasm;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const inputShape = attrs.inputShape as Shape4;
  const info = forwardConvInfo(inputShape, filter.shape as Shape4, attrs);
  if (info.dataFormat !== 'channelsLast') {
    throw new Error("tfjs wasm backend: Conv2DBackpropInput supports dataFormat 'NHWC' only.");
  }
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dilatedHeight = (outHeight - 1) * strideHeight + 1;
  const dilatedWidth = (outWidth - 1) * strideWidth + 1;
  const padTop = filterHeight - 1 - top;
  const padLeft = filterWidth - 1 - left;
  const padBottom = inHeight - dilatedHeight + top;
  const padRight = inWidth - dilatedWidth + left;
  if (Math.min(padTop, padLeft, padBottom, padRight) < 0) {
    const out = wasm.makeOutput([...inputShape], 'float32');
    conv2DBackpropInputReference(heapFloat32(wasm, dy), heapFloat32(wasm, filter), info, heapFloat32(wasm, out));
    return out;
  }

  const temporaries: TensorInfo[] = [];
  const spreadDy = strideHeight === 1 && strideWidth === 1 ? dy : insertStrideZeros(wasm, dy, strideHeight, strideWidth);
  if (spreadDy !== dy) temporaries.push(spreadDy);
  const flipped = wasm.makeOutput([filterHeight, filterWidth, info.outChannels, info.inChannels], 'float32');
  temporaries.push(flipped);
  rotateAndSwapChannels(heapFloat32(wasm, filter), info, heapFloat32(wasm, flipped));
  const dx = runWasmKernel(
    Conv2D,
    wasm,
    { x: spreadDy, filter: flipped },
    {
      strides: [1, 1],
      pad: explicitPadding(padTop, padBottom, padLeft, padRight),
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  release(wasm, ...temporaries);
  return dx;
};

/** out[kh][kw][co][ci] = filter[fh-1-kh][fw-1-kw][ci][co], in one pass (the wasm Reverse and Transpose kernels take milliseconds for LeNet's 51k weights). */
function rotateAndSwapChannels(filter: Float32Array, info: backend_util.Conv2DInfo, out: Float32Array): void {
  const { filterHeight, filterWidth, inChannels, outChannels } = info;
  const taps = filterHeight * filterWidth;
  const tapSize = inChannels * outChannels;
  for (let t = 0; t < taps; t++) {
    const from = (taps - 1 - t) * tapSize;
    const to = t * tapSize;
    for (let ci = 0; ci < inChannels; ci++) {
      for (let co = 0, at = from + ci * outChannels; co < outChannels; co++) out[to + co * inChannels + ci] = filter[at++];
    }
  }
}

function insertStrideZeros(wasm: BackendWasm, dy: TensorInfo, strideHeight: number, strideWidth: number): TensorInfo {
  const [batch, height, width, channels] = dy.shape;
  const spreadHeight = (height - 1) * strideHeight + 1;
  const spreadWidth = (width - 1) * strideWidth + 1;
  const out = wasm.makeOutput([batch, spreadHeight, spreadWidth, channels], 'float32');
  const source = heapFloat32(wasm, dy);
  const target = heapFloat32(wasm, out);
  target.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < height; h++) {
      for (let w = 0; w < width; w++) {
        const from = ((n * height + h) * width + w) * channels;
        const to = ((n * spreadHeight + h * strideHeight) * spreadWidth + w * strideWidth) * channels;
        target.set(source.subarray(from, from + channels), to);
      }
    }
  }
  return out;
}

export const conv2DBackpropInputConfig: TaggedKernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: WASM_BACKEND,
  kernelFunc: conv2DBackpropInputWasm,
};
