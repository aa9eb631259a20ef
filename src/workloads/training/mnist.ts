import { readIdxImages, readIdxLabels } from '../../datasets/readers/index.js';
import type { VerifiedFile } from '../../datasets/types.js';
import { DataError } from '../../util/errors.js';
import type { WorkloadContext } from '../types.js';

export interface MnistSplit {
  count: number;
  /** count x 28 x 28 raw pixels, row-major. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

export const MNIST_PIXELS = 28 * 28;

/** The four MNIST idx files (or Fashion-MNIST's, same format), validated by the readers. */
export async function loadMnist(ctx: WorkloadContext, datasetId = 'mnist'): Promise<{ train: MnistSplit; test: MnistSplit }> {
  const files = await ctx.data.contents(datasetId);
  const split = async (imagesFile: VerifiedFile, labelsFile: VerifiedFile): Promise<MnistSplit> => {
    const x = readIdxImages(imagesFile);
    const y = readIdxLabels(labelsFile, { classes: 10 });
    const [images, labels] = [imagesFile.path, labelsFile.path];
    if (x.rows * x.cols !== MNIST_PIXELS || x.count !== y.count) {
      // Mismatched files are bad input, not a wrong answer of the node: undecided, never fail.
      throw new DataError(`${images}: expected 28x28 images matching ${labels}'s ${y.count} labels, found ${x.count} images of ${x.rows}x${x.cols}`, {
        file: images,
        expected: `${y.count} images of 28x28`,
        found: `${x.count} images of ${x.rows}x${x.cols}`,
        fix: `re-stage the dataset: mlcheck datasets fetch ${datasetId}`,
      });
    }
    return { count: x.count, pixels: x.pixels, labels: y.labels };
  };
  return { train: await split(files.trainImages, files.trainLabels), test: await split(files.testImages, files.testLabels) };
}

/** Copies the images at `indices` into `out`, mapping each pixel through `scale`. */
export function fillPixels(out: Float32Array, split: MnistSplit, indices: ArrayLike<number>, scale: (pixel: number) => number): void {
  const table = new Float32Array(256);
  for (let p = 0; p < 256; p++) table[p] = scale(p);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i] * MNIST_PIXELS;
    const target = i * MNIST_PIXELS;
    for (let k = 0; k < MNIST_PIXELS; k++) out[target + k] = table[split.pixels[source + k]];
  }
}

export function range(first: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = first + i;
  return out;
}
