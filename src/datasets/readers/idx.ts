/**
 * The idx format of MNIST and Fashion-MNIST: a big-endian header (magic 0x0000 08 NN, where 08
 * is "unsigned byte" and NN the number of dimensions, then one uint32 per dimension), then the
 * data, row-major. Everything is checked against the file's size before a byte is trusted.
 */
import { DataError } from '../../util/errors.js';
import { describeOffset, readDecompressed, sourcePath, type DataSource, type DecompressedFile } from './decompressed.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols bytes, image after image, row-major, 0 = background. */
  pixels: Uint8Array;
}

export interface IdxLabels {
  count: number;
  labels: Uint8Array;
}

export interface ReadIdxImagesOptions {
  /** When given, the file must hold exactly this many images of this size. */
  count?: number;
  rows?: number;
  cols?: number;
}

export interface ReadIdxLabelsOptions {
  /** Labels must be in [0, classes). */
  classes: number;
  /** When given, the file must hold exactly this many labels. */
  count?: number;
}

const hex = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;
const fixFor = (file: string): string => `the file is corrupt or not an idx file; replace ${file} with a verified copy (mlcheck datasets verify; mlcheck datasets fetch <id>)`;

function readHeader(file: string, content: DecompressedFile, magic: number, kind: string): number[] {
  const { bytes, gzipped } = content;
  const dimensions = magic & 0xff;
  const headerBytes = 4 + 4 * dimensions;
  if (bytes.length < 4) {
    throw new DataError(`${file}: too short for an idx ${kind} file (${bytes.length} bytes)`, {
      file, offset: 0, expected: `at least ${headerBytes} header bytes`, found: `${bytes.length} bytes`, fix: fixFor(file),
    });
  }
  const found = bytes.readUInt32BE(0);
  if (found !== magic) {
    const hint = found === IDX_IMAGES_MAGIC ? ' (this is an idx images file)' : found === IDX_LABELS_MAGIC ? ' (this is an idx labels file)' : '';
    throw new DataError(`${file}: wrong idx magic number at ${describeOffset(0, gzipped)}${hint}`, {
      file, offset: 0, expected: `${hex(magic)} (idx ${kind})`, found: hex(found), fix: fixFor(file),
    });
  }
  if (bytes.length < headerBytes) {
    throw new DataError(`${file}: truncated idx header (${bytes.length} of ${headerBytes} bytes)`, {
      file, offset: bytes.length, expected: `${headerBytes} header bytes`, found: `${bytes.length} bytes`, fix: fixFor(file),
    });
  }
  const sizes: number[] = [];
  for (let i = 0; i < dimensions; i += 1) {
    const offset = 4 + 4 * i;
    const size = bytes.readUInt32BE(offset);
    if (size === 0 || (i > 0 && size > 65536)) {
      throw new DataError(`${file}: implausible idx dimension ${i} at ${describeOffset(offset, gzipped)}`, {
        file, offset, expected: i === 0 ? 'a count > 0' : 'a size in 1..65536', found: String(size), fix: fixFor(file),
      });
    }
    sizes.push(size);
  }
  const expectedBytes = headerBytes + sizes.reduce((a, b) => a * b, 1);
  if (bytes.length !== expectedBytes) {
    const shape = sizes.join(' x ');
    const what = bytes.length < expectedBytes ? 'truncated' : 'has trailing bytes';
    throw new DataError(`${file}: ${what}: the header says ${shape} (${expectedBytes} bytes with the header), the ${gzipped ? 'decompressed content has' : 'file has'} ${bytes.length}`, {
      file, offset: Math.min(bytes.length, expectedBytes), expected: `${expectedBytes} bytes (${shape} + ${headerBytes}-byte header)`, found: `${bytes.length} bytes`, fix: fixFor(file),
    });
  }
  return sizes;
}

function expectEqual(file: string, what: string, offset: number, gzipped: boolean, expected: number | undefined, found: number): void {
  if (expected === undefined || expected === found) return;
  throw new DataError(`${file}: ${what} at ${describeOffset(offset, gzipped)} is ${found}, expected ${expected}`, {
    file, offset, expected: String(expected), found: String(found), fix: 'check that the file belongs to this dataset (mlcheck datasets verify)',
  });
}

/** Reads an idx3-ubyte images file (gzip or raw; a path or verified bytes). Throws DataError naming file, offset, expected and found. */
export function readIdxImages(source: DataSource, options: ReadIdxImagesOptions = {}): IdxImages {
  const file = sourcePath(source);
  const content = readDecompressed(source);
  const [count, rows, cols] = readHeader(file, content, IDX_IMAGES_MAGIC, 'images');
  expectEqual(file, 'image count', 4, content.gzipped, options.count, count);
  expectEqual(file, 'row count', 8, content.gzipped, options.rows, rows);
  expectEqual(file, 'column count', 12, content.gzipped, options.cols, cols);
  const pixels = new Uint8Array(content.bytes.buffer, content.bytes.byteOffset + 16, count * rows * cols);
  return { count, rows, cols, pixels };
}

/** Reads an idx1-ubyte labels file (gzip or raw; a path or verified bytes) and checks every label is in [0, classes). */
export function readIdxLabels(source: DataSource, options: ReadIdxLabelsOptions): IdxLabels {
  const file = sourcePath(source);
  if (!Number.isInteger(options.classes) || options.classes < 1 || options.classes > 256) {
    throw new RangeError(`readIdxLabels: classes must be an integer in 1..256, got ${options.classes}`);
  }
  const content = readDecompressed(source);
  const [count] = readHeader(file, content, IDX_LABELS_MAGIC, 'labels');
  expectEqual(file, 'label count', 4, content.gzipped, options.count, count);
  const labels = new Uint8Array(content.bytes.buffer, content.bytes.byteOffset + 8, count);
  for (let i = 0; i < count; i += 1) {
    if (labels[i] >= options.classes) {
      const offset = 8 + i;
      throw new DataError(`${file}: label ${labels[i]} of item ${i} at ${describeOffset(offset, content.gzipped)} is out of range`, {
        file, offset, expected: `a label in 0..${options.classes - 1}`, found: String(labels[i]), fix: fixFor(file),
      });
    }
  }
  return { count, labels };
}
