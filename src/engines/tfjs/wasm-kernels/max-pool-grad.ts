import { backend_util, MaxPoolGrad } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapFloat32, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

type Shape4 = [number, number, number, number];

/**
 * Routes each window's gradient to the window's first maximum (strictly greater wins, scanning
 * rows then columns, as the cpu backend does). Channels are innermost, so every read is
 * sequential; the stock wasm kernel rescans all windows per input pixel and costs more than
 * the convolutions around it.
 */
export const maxPoolGradWasm: KernelFunc = ({ inputs, backend, attrs = {} }) => {
  const wasm = backend as BackendWasm;
  const dy = inputs.dy as TensorInfo;
  const input = inputs.input as TensorInfo;
  const info = backend_util.computePool2DInfo(
    input.shape as Shape4,
    attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as 'valid' | 'same' | number | backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  const out = wasm.makeOutput([...input.shape], 'float32');
  const x = heapFloat32(wasm, input);
  const gradient = heapFloat32(wasm, dy);
  const dx = heapFloat32(wasm, out);
  dx.fill(0);
  const best = new Float32Array(inChannels);
  const bestAt = new Int32Array(inChannels);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = Math.max(0, oh * strideHeight - top);
      const h1 = Math.min(inHeight, oh * strideHeight - top + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = Math.max(0, ow * strideWidth - left);
        const w1 = Math.min(inWidth, ow * strideWidth - left + filterWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        bestAt.fill(-1);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const base = ((n * inHeight + ih) * inWidth + iw) * inChannels;
            for (let c = 0; c < inChannels; c++) {
              const value = x[base + c];
              if (value > best[c]) {
                best[c] = value;
                bestAt[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((n * outHeight + oh) * outWidth + ow) * inChannels;
        for (let c = 0; c < inChannels; c++) {
          if (bestAt[c] >= 0) dx[bestAt[c]] += gradient[dyBase + c];
        }
      }
    }
  }
  return out;
};

export const maxPoolGradConfig: TaggedKernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: WASM_BACKEND,
  kernelFunc: maxPoolGradWasm,
};
