import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { distModule, sharedDataDir } from './helpers/paths.js';

type Datasets = typeof import('../src/datasets/index.js');
type Errors = typeof import('../src/util/errors.js');
const { createDataAccess, readIdxImages, readIdxLabels, readIrisCsv } = (await import(distModule('datasets/index.js'))) as Datasets;
const { DataError } = (await import(distModule('util/errors.js'))) as Errors;

let tmp: string;
let mnist: Record<string, string>;
let iris: Record<string, string>;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-readers-'));
  const data = createDataAccess({ dataDir: sharedDataDir, cacheDir: path.join(tmp, 'cache'), systemPaths: false });
  mnist = await data.files('mnist');
  iris = await data.files('iris');
});

/** Runs `read` and returns the DataError it must throw. */
function dataErrorOf(read: () => unknown): InstanceType<typeof DataError> {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as InstanceType<typeof DataError>;
  }
  throw new Error('expected a DataError, the reader returned');
}

function idxHeader(magic: number, sizes: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * sizes.length);
  header.writeUInt32BE(magic, 0);
  sizes.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return header;
}

function writeTemp(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

describe('idx readers on the real MNIST files', () => {
  it('reads the training images and labels', () => {
    const images = readIdxImages(mnist.trainImages, { count: 60000, rows: 28, cols: 28 });
    expect([images.count, images.rows, images.cols, images.pixels.length]).toEqual([60000, 28, 28, 60000 * 784]);
    const labels = readIdxLabels(mnist.trainLabels, { classes: 10 });
    expect(labels.count).toBe(60000);
    // MNIST's first training labels, as published.
    expect([...labels.labels.slice(0, 8)]).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    const counts = new Array<number>(10).fill(0);
    for (const label of labels.labels) counts[label] += 1;
    expect(counts.every((n) => n > 5000)).toBe(true);
  });

  it('reads the test set; gzip and raw copies give the same pixels', () => {
    const images = readIdxImages(mnist.testImages);
    const labels = readIdxLabels(mnist.testLabels, { classes: 10, count: 10000 });
    expect(images.count).toBe(10000);
    expect([...labels.labels.slice(0, 5)]).toEqual([7, 2, 1, 0, 4]);
    const raw = writeTemp('t10k-labels-idx1-ubyte', readIdxRaw(mnist.testLabels));
    expect(readIdxLabels(raw, { classes: 10 }).labels).toEqual(labels.labels);
    // The first test image (a 7) has ink in the middle and a blank border.
    const first = images.pixels.subarray(0, 784);
    expect(first[0]).toBe(0);
    expect(first.reduce((sum, p) => sum + p, 0)).toBeGreaterThan(10000);
  });
});

function readIdxRaw(file: string): Buffer {
  return Buffer.from(require('node:zlib').gunzipSync(readFileSync(file)) as Buffer);
}
