/**
 * Bilinear upsampling of an interleaved 8-bit image, separable and rounded to 8 bits after each
 * pass as PIL does. Used when the crop is smaller than the model input: libvips (sharp) places
 * sample centres differently when enlarging, which moves the 100x100 panda's score by 0.006.
 * `half-pixel` is PIL/TF2 (src = (dst + 0.5) * scale - 0.5); `asymmetric` is TF1's
 * ResizeBilinear without half_pixel_centers (src = dst * scale), which Inception-v3 used.
 */
export type SampleCentres = 'half-pixel' | 'asymmetric';

export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export function resizeBilinear(image: RawImage, width: number, height: number, centres: SampleCentres = 'half-pixel'): RawImage {
  const { channels } = image;
  const horizontal = new Uint8Array(width * image.height * channels);
  const xTaps = taps(image.width, width, centres);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      const { i0, i1, w } = xTaps[x]!;
      for (let c = 0; c < channels; c++) {
        const row = y * image.width;
        horizontal[(y * width + x) * channels + c] = Math.round((1 - w) * image.data[(row + i0) * channels + c]! + w * image.data[(row + i1) * channels + c]!);
      }
    }
  }
  const out = new Uint8Array(width * height * channels);
  const yTaps = taps(image.height, height, centres);
  for (let y = 0; y < height; y++) {
    const { i0, i1, w } = yTaps[y]!;
    for (let x = 0; x < width * channels; x++) {
      out[y * width * channels + x] = Math.round((1 - w) * horizontal[i0 * width * channels + x]! + w * horizontal[i1 * width * channels + x]!);
    }
  }
  return { data: out, width, height, channels };
}

function taps(inSize: number, outSize: number, centres: SampleCentres): { i0: number; i1: number; w: number }[] {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, o) => {
    const position = centres === 'half-pixel' ? (o + 0.5) * scale - 0.5 : o * scale;
    const clamped = Math.min(Math.max(position, 0), inSize - 1);
    const i0 = Math.floor(clamped);
    return { i0, i1: Math.min(i0 + 1, inSize - 1), w: clamped - i0 };
  });
}
