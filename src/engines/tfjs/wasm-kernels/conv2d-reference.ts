import type { backend_util } from '@tensorflow/tfjs-core';

/**
 * Plain-loop NHWC input gradient, used only for geometries the fast paths do not cover
 * (a padding wider than the filter, windows that lie entirely in the padding).
 */
export function conv2DBackpropInputReference(
  dy: Float32Array,
  filter: Float32Array,
  info: backend_util.Conv2DInfo,
  dx: Float32Array,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  dx.fill(0);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((n * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh - top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - left;
            if (iw < 0 || iw >= inWidth) continue;
            const dxBase = ((n * inHeight + ih) * inWidth + iw) * inChannels;
            const wBase = (kh * filterWidth + kw) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              let sum = 0;
              const row = wBase + ci * outChannels;
              for (let co = 0; co < outChannels; co++) sum += filter[row + co] * dy[dyBase + co];
              dx[dxBase + ci] += sum;
            }
          }
        }
      }
    }
  }
}
