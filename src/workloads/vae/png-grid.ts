import { PNG } from 'pngjs';
import { writeFileAtomic } from '../../util/atomic-write.js';

/**
 * Writes images (values in [0, 1], `size` x `size` each) as a grid the way torchvision's
 * save_image does: `perRow` images per row, 2-pixel black padding around and between them,
 * round(255 * v) grey levels, an RGB PNG.
 */
export function writeImageGrid(file: string, images: Float32Array, count: number, size: number, perRow: number, padding = 2): { width: number; height: number } {
  const rows = Math.ceil(count / perRow);
  const width = perRow * (size + padding) + padding;
  const height = rows * (size + padding) + padding;
  const png = new PNG({ width, height, colorType: 2, inputHasAlpha: true });
  png.data.fill(0);
  for (let i = 0; i < width * height; i++) png.data[i * 4 + 3] = 255;
  for (let n = 0; n < count; n++) {
    const top = padding + Math.floor(n / perRow) * (size + padding);
    const left = padding + (n % perRow) * (size + padding);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const value = images[n * size * size + y * size + x];
        const grey = Math.min(255, Math.max(0, Math.floor(value * 255 + 0.5)));
        const at = ((top + y) * width + left + x) * 4;
        png.data[at] = grey;
        png.data[at + 1] = grey;
        png.data[at + 2] = grey;
      }
    }
  }
  writeFileAtomic(file, PNG.sync.write(png, { colorType: 2 }));
  return { width, height };
}
