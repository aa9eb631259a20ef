import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataAccess, readIdxImages, readIdxLabels, readIrisCsv } from '../src/datasets/index.js';
import { DataError } from '../src/util/errors.js';
import { sharedDataDir } from './helpers/paths.js';

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
  return gunzipSync(readFileSync(file));
}

describe('idx readers on Fashion-MNIST', () => {
  it.skipIf(!existsSync('/usr/share/datasets/fashion-mnist'))("reads Debian's dataset-fashion-mnist through the registry", async () => {
    const files = await createDataAccess({ dataDir: sharedDataDir, cacheDir: path.join(tmp, 'cache') }).files('fashion-mnist');
    const images = readIdxImages(files.testImages, { count: 10000, rows: 28, cols: 28 });
    const labels = readIdxLabels(files.testLabels, { classes: 10, count: 10000 });
    expect(images.pixels.length).toBe(7840000);
    // Fashion-MNIST's first test items: ankle boot, pullover, trouser, trouser.
    expect([...labels.labels.slice(0, 4)]).toEqual([9, 2, 1, 1]);
  });
});

describe('idx readers reject bad files with the file, the offset and what was expected', () => {
  it('wrong magic (a labels file read as images)', () => {
    const error = dataErrorOf(() => readIdxImages(mnist.testLabels));
    expect(error.message).toContain(mnist.testLabels);
    expect(error.message).toMatch(/wrong idx magic.*offset 0 of the decompressed content.*labels file/);
    expect(error.details).toMatchObject({ file: mnist.testLabels, offset: 0, expected: '0x00000803 (idx images)', found: '0x00000801' });
  });

  it('wrong magic in an uncompressed file', () => {
    const file = writeTemp('garbage-images', Buffer.from('not an idx file at all'));
    const error = dataErrorOf(() => readIdxImages(file));
    expect(error.message).toContain(`${file}: wrong idx magic number at offset 0`);
    expect(error.details.found).toBe('0x6e6f7420');
  });

  it('truncated images (gzip of a cut file)', () => {
    const content = readIdxRaw(mnist.testImages).subarray(0, 16 + 784 * 100 + 17);
    const file = writeTemp('t10k-images-cut.gz', gzipSync(content));
    const error = dataErrorOf(() => readIdxImages(file));
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/truncated: the header says 10000 x 28 x 28 \(7840016 bytes with the header\)/);
    expect(error.details).toMatchObject({ offset: content.length, expected: '7840016 bytes (10000 x 28 x 28 + 16-byte header)', found: `${content.length} bytes` });
  });

  it('a truncated gzip stream', () => {
    const gz = readFileSync(mnist.testLabels);
    const file = writeTemp('labels-cut-stream.gz', gz.subarray(0, gz.length - 100));
    const error = dataErrorOf(() => readIdxLabels(file, { classes: 10 }));
    expect(error.message).toContain(`${file}: corrupt or truncated gzip data`);
  });

  it('a header cut inside the dimensions', () => {
    const file = writeTemp('short-header', idxHeader(0x803, [10, 28, 28]).subarray(0, 10));
    const error = dataErrorOf(() => readIdxImages(file));
    expect(error.message).toContain(`${file}: truncated idx header (10 of 16 bytes)`);
    expect(error.details.offset).toBe(10);
  });

  it('count mismatch: trailing bytes beyond the declared count', () => {
    const file = writeTemp('labels-extra', Buffer.concat([idxHeader(0x801, [5]), Buffer.from([1, 2, 3, 4, 5, 6, 7])]));
    const error = dataErrorOf(() => readIdxLabels(file, { classes: 10 }));
    expect(error.message).toContain(`${file}: has trailing bytes: the header says 5 (13 bytes with the header), the file has 15`);
    expect(error.details).toMatchObject({ offset: 13, expected: '13 bytes (5 + 8-byte header)', found: '15 bytes' });
  });

  it('count mismatch against the expected count', () => {
    const error = dataErrorOf(() => readIdxLabels(mnist.testLabels, { classes: 10, count: 60000 }));
    expect(error.message).toContain(`${mnist.testLabels}: label count at offset 4 of the decompressed content is 10000, expected 60000`);
  });

  it('label out of range', () => {
    const file = writeTemp('labels-range.gz', gzipSync(Buffer.concat([idxHeader(0x801, [6]), Buffer.from([0, 1, 9, 2, 10, 3])])));
    const error = dataErrorOf(() => readIdxLabels(file, { classes: 10 }));
    expect(error.message).toContain(`${file}: label 10 of item 4 at offset 12 of the decompressed content is out of range`);
    expect(error.details).toMatchObject({ offset: 12, expected: 'a label in 0..9', found: '10' });
  });

  it('a zero dimension', () => {
    const file = writeTemp('zero-rows', idxHeader(0x803, [3, 0, 28]));
    const error = dataErrorOf(() => readIdxImages(file));
    expect(error.message).toContain(`${file}: implausible idx dimension 1 at offset 8`);
  });

  it('an empty file', () => {
    const file = writeTemp('empty', Buffer.alloc(0));
    const error = dataErrorOf(() => readIdxLabels(file, { classes: 10 }));
    expect(error.message).toContain(`${file}: too short for an idx labels file (0 bytes)`);
  });
});

describe('iris CSV reader on the real files', () => {
  it("reads TensorFlow's training and test split", () => {
    const train = readIrisCsv(iris.train);
    expect(train.count).toBe(120);
    expect(train.featureCount).toBe(4);
    expect(train.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(train.features.length).toBe(480);
    expect([...train.features.slice(0, 4)].map((v) => Number(v.toFixed(4)))).toEqual([6.4, 2.8, 5.6, 2.2]);
    expect(train.labels[0]).toBe(2);
    const test = readIrisCsv(iris.test, { count: 30, classNames: ['setosa', 'versicolor', 'virginica'] });
    expect(test.count).toBe(30);
    expect([...test.labels.slice(0, 2)]).toEqual([1, 2]);
    const perClass = [0, 1, 2].map((c) => train.labels.filter((l) => l === c).length + test.labels.filter((l) => l === c).length);
    expect(perClass).toEqual([50, 50, 50]);
  });

  it('accepts a gzip copy', () => {
    const file = writeTemp('iris_test.csv.gz', gzipSync(readFileSync(iris.test)));
    expect(readIrisCsv(file).features).toEqual(readIrisCsv(iris.test).features);
  });
});

describe('iris CSV reader rejects bad files with the file and the line', () => {
  const good = (): string[] => readFileSync(iris.test, 'utf8').trimEnd().split('\n');
  const csv = (name: string, lines: string[]): string => writeTemp(name, `${lines.join('\n')}\n`);

  it('a header without counts', () => {
    const lines = good();
    lines[0] = 'SepalLength,SepalWidth,PetalLength,PetalWidth,Species';
    const file = csv('bad-header.csv', lines);
    const error = dataErrorOf(() => readIrisCsv(file));
    expect(error.message).toContain(`${file}: line 1: bad header: the first field must be the row count`);
    expect(error.details.line).toBe(1);
  });

  it('a header with the wrong feature count', () => {
    const lines = good();
    lines[0] = '30,3,setosa,versicolor,virginica';
    const file = csv('bad-features.csv', lines);
    const error = dataErrorOf(() => readIrisCsv(file));
    expect(error.message).toContain(`${file}: line 1: bad header: feature count 3`);
    expect(error.details.expected).toBe('4 features');
  });

  it('unexpected class names', () => {
    const lines = good();
    lines[0] = '30,4,cat,dog,bird';
    const file = csv('bad-classes.csv', lines);
    const error = dataErrorOf(() => readIrisCsv(file, { classNames: ['setosa', 'versicolor', 'virginica'] }));
    expect(error.message).toContain(`${file}: line 1: bad header: unexpected class names`);
  });

  it('a short row', () => {
    const lines = good();
    lines[7] = '5.1,3.5,1';
    const file = csv('short-row.csv', lines);
    const error = dataErrorOf(() => readIrisCsv(file));
    expect(error.message).toContain(`${file}: line 8: 3 fields`);
    expect(error.details).toMatchObject({ line: 8, expected: '5 fields (4 features and a class index)', found: '"5.1,3.5,1"' });
  });

  it('a non-numeric field', () => {
    const lines = good();
    lines[12] = '5.1,abc,1.4,0.2,0';
    const file = csv('nan-field.csv', lines);
    const error = dataErrorOf(() => readIrisCsv(file));
    expect(error.message).toContain(`${file}: line 13: field 2 is not a number`);
    expect(error.details.found).toBe('"abc"');
  });

  it('a class index out of range', () => {
    const lines = good();
    lines[3] = '5.1,3.5,1.4,0.2,3';
    const file = csv('bad-label.csv', lines);
    const error = dataErrorOf(() => readIrisCsv(file));
    expect(error.message).toContain(`${file}: line 4: field 5 is not a class index`);
    expect(error.details.expected).toBe('an integer in 0..2');
  });

  it('fewer rows than the header declares (a truncated file)', () => {
    const file = csv('few-rows.csv', good().slice(0, 21));
    const error = dataErrorOf(() => readIrisCsv(file));
    expect(error.message).toContain(`${file}: line 22: the header declares 30 rows, the file has 20`);
  });

  it('more rows than the header declares', () => {
    const lines = good();
    const file = csv('many-rows.csv', [...lines, lines[1]]);
    const error = dataErrorOf(() => readIrisCsv(file));
    expect(error.message).toContain(`${file}: line 32: the header declares 30 rows, the file has 31`);
  });

  it('a blank line in the middle', () => {
    const lines = good();
    lines.splice(5, 0, '');
    const file = csv('blank-line.csv', lines.slice(0, 31));
    const error = dataErrorOf(() => readIrisCsv(file));
    expect(error.message).toContain(`${file}: line 6: 1 fields`);
  });
});
