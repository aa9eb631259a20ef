import type { backend_util } from '@tensorflow/tfjs-core';

/**
 * Writes the transposed patch matrix of an NHWC convolution: row k = (kh, kw, ci), column
 * m = (n, oh, ow), value x[n, oh*sh+kh-top, ow*sw+kw-left, ci] or 0 in the padding.
 * `planar` is x laid out [ci][n][h][w], so every row is read with unit stride.
 */
export function im2colTransposed(planar: Float32Array, info: backend_util.Conv2DInfo, out: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const columns = batchSize * outHeight * outWidth;
  const plane = batchSize * inHeight * inWidth;
  let row = 0;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      // Output columns whose input column lies inside the image, for this kw.
      const firstOw = Math.max(0, Math.ceil((left - kw) / strideWidth));
      const endOw = Math.min(outWidth, Math.floor((inWidth - 1 + left - kw) / strideWidth) + 1);
      for (let ci = 0; ci < inChannels; ci++, row++) {
        let o = row * columns;
        const channelBase = ci * plane;
        for (let n = 0; n < batchSize; n++) {
          const imageBase = channelBase + n * inHeight * inWidth;
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight + kh - top;
            if (ih < 0 || ih >= inHeight || endOw <= firstOw) {
              out.fill(0, o, o + outWidth);
              o += outWidth;
              continue;
            }
            for (let ow = 0; ow < firstOw; ow++) out[o++] = 0;
            let from = imageBase + ih * inWidth + firstOw * strideWidth + kw - left;
            for (let ow = firstOw; ow < endOw; ow++) {
              out[o++] = planar[from];
              from += strideWidth;
            }
            for (let ow = endOw; ow < outWidth; ow++) out[o++] = 0;
          }
        }
      }
    }
  }
}
