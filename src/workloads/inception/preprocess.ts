import type sharpModule from 'sharp';
import { DataError } from '../../util/errors.js';
import { resizeBilinear, type RawImage } from './resample.js';
import type { ModelSidecar } from './sidecar.js';

// sharp (libvips) loads on first use, so that workloads without images do not pay its start-up.
let sharpLoaded: Promise<typeof sharpModule> | undefined;
const loadSharp = (): Promise<typeof sharpModule> => (sharpLoaded ??= import('sharp').then((module) => module.default));

/** Decodes an image file to 8-bit RGB (JPEG, PNG, WebP, ... whatever sharp reads); bad files become DataErrors. */
export async function decodeRgb(file: string): Promise<RawImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(file, { failOn: 'truncated' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const truncated = /premature end|truncat|unexpected end|short read/i.test(message);
    throw new DataError(truncated ? `${file} is truncated or corrupt: ${message}` : `${file} is not an image sharp can decode: ${message}`, {
      file,
      expected: 'a complete JPEG, PNG or WebP image',
      found: message,
      fix: truncated ? 'copy the image again completely' : 'pass an image file (JPEG, PNG or WebP)',
      cause: error,
    });
  }
}

/** The crop, resize and normalisation the sidecar states, into one image's slot of a batch tensor. */
export async function preprocessImage(file: string, sidecar: ModelSidecar): Promise<Float32Array> {
  const image = await decodeRgb(file);
  const region = cropRegion(image.width, image.height, sidecar.crop);
  const resized = await cropAndResize(image, region, sidecar.input.width, sidecar.input.height, sidecar.resize);
  return toTensor(resized, sidecar);
}

interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function cropRegion(width: number, height: number, crop: ModelSidecar['crop']): Region {
  if (crop.kind === 'none') return { left: 0, top: 0, width, height };
  const fraction = crop.kind === 'central-fraction' ? crop.fraction : 1;
  const side = Math.max(1, Math.round(Math.min(width, height) * fraction));
  return { left: Math.floor((width - side) / 2), top: Math.floor((height - side) / 2), width: side, height: side };
}

async function cropAndResize(image: RawImage, region: Region, width: number, height: number, resize: ModelSidecar['resize']): Promise<RawImage> {
  const cropped = extract(image, region);
  if (resize === 'bilinear-asymmetric') return resizeBilinear(cropped, width, height, 'asymmetric');
  if (region.width < width || region.height < height) return resizeBilinear(cropped, width, height, 'half-pixel');
  if (region.width === width && region.height === height) return cropped;
  const sharp = await loadSharp();
  // Shrinking: libvips' linear kernel widens with the scale (antialiased), as PIL's BILINEAR does.
  const { data, info } = await sharp(cropped.data, { raw: { width: cropped.width, height: cropped.height, channels: 3 } })
    .resize(width, height, { kernel: 'linear', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels };
}

function extract(image: RawImage, region: Region): RawImage {
  if (region.left === 0 && region.top === 0 && region.width === image.width && region.height === image.height) return image;
  const data = new Uint8Array(region.width * region.height * 3);
  for (let y = 0; y < region.height; y++) {
    const start = ((region.top + y) * image.width + region.left) * 3;
    data.set(image.data.subarray(start, start + region.width * 3), y * region.width * 3);
  }
  return { data, width: region.width, height: region.height, channels: 3 };
}

function toTensor(image: RawImage, sidecar: ModelSidecar): Float32Array {
  const { mean, std, layout, channels } = sidecar.input;
  const pixels = image.width * image.height;
  const out = new Float32Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      const source = channels === 'RGB' ? c : 2 - c;
      const value = (image.data[p * 3 + source]! - mean[c]!) / std[c]!;
      out[layout === 'NHWC' ? p * 3 + c : c * pixels + p] = value;
    }
  }
  return out;
}
