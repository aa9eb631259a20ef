/**
 * TensorFlow's iris CSVs: a first line "<rows>,<features>,<class name>..." then one row per
 * example, "<feature>,...,<class index>". The header's counts are checked against the rows.
 */
import { DataError } from '../../util/errors.js';
import { readDecompressed, sourcePath, type DataSource } from './decompressed.js';

export interface IrisCsv {
  count: number;
  featureCount: number;
  classNames: string[];
  /** count * featureCount values, example after example. */
  features: Float32Array;
  /** Class index of each example, in [0, classNames.length). */
  labels: Int32Array;
}

export interface ReadIrisCsvOptions {
  /** The feature count the header must declare (iris: 4). */
  featureCount?: number;
  /** When given, the class names the header must list, in order. */
  classNames?: readonly string[];
  /** When given, the row count the header must declare. */
  count?: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^\d+$/;
const FIX = 'the file is corrupt or not TensorFlow\'s iris CSV; replace it with a verified copy (mlcheck datasets verify iris; mlcheck datasets fetch iris)';

/** Reads and validates an iris CSV (gzip or raw; a path or verified bytes). Throws DataError naming the file, line and field. */
export function readIrisCsv(source: DataSource, options: ReadIrisCsvOptions = {}): IrisCsv {
  const file = sourcePath(source);
  const expectedFeatures = options.featureCount ?? 4;
  const text = readDecompressed(source).bytes.toString('utf8');
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const fail = (line: number, message: string, expected: string, found: string): never => {
    throw new DataError(`${file}: line ${line}: ${message}`, { file, line, expected, found, fix: FIX });
  };

  const header = (lines[0] ?? '').split(',').map((field) => field.trim());
  const headerExpected = `"<rows>,${expectedFeatures},<class names>" e.g. "120,4,setosa,versicolor,virginica"`;
  if (lines.length === 0 || header.length < 3) fail(1, 'bad header', headerExpected, JSON.stringify(lines[0] ?? ''));
  if (!INTEGER.test(header[0]) || Number(header[0]) < 1) fail(1, 'bad header: the first field must be the row count', headerExpected, JSON.stringify(lines[0]));
  if (!INTEGER.test(header[1])) fail(1, 'bad header: the second field must be the feature count', headerExpected, JSON.stringify(lines[0]));
  const count = Number(header[0]);
  const featureCount = Number(header[1]);
  if (featureCount !== expectedFeatures) fail(1, `bad header: feature count ${featureCount}`, `${expectedFeatures} features`, JSON.stringify(lines[0]));
  const classNames = header.slice(2);
  if (classNames.some((name) => name === '' || NUMBER.test(name))) fail(1, 'bad header: class names must be non-numeric', headerExpected, JSON.stringify(lines[0]));
  if (options.classNames && options.classNames.join(',') !== classNames.join(',')) {
    fail(1, 'bad header: unexpected class names', options.classNames.join(','), classNames.join(','));
  }
  if (options.count !== undefined && options.count !== count) fail(1, `bad header: row count ${count}`, `${options.count} rows`, String(count));

  const rows = lines.length - 1;
  if (rows !== count) {
    fail(rows < count ? lines.length + 1 : count + 2, `the header declares ${count} rows, the file has ${rows}`, `${count} data rows`, `${rows} data rows`);
  }

  const features = new Float32Array(count * featureCount);
  const labels = new Int32Array(count);
  for (let row = 0; row < count; row += 1) {
    const lineNumber = row + 2;
    const fields = lines[row + 1].split(',').map((field) => field.trim());
    if (fields.length !== featureCount + 1) {
      fail(lineNumber, `${fields.length} fields`, `${featureCount + 1} fields (${featureCount} features and a class index)`, JSON.stringify(lines[row + 1]));
    }
    for (let column = 0; column < featureCount; column += 1) {
      const field = fields[column];
      if (!NUMBER.test(field)) fail(lineNumber, `field ${column + 1} is not a number`, 'a decimal number', JSON.stringify(field));
      features[row * featureCount + column] = Number(field);
    }
    const label = fields[featureCount];
    if (!INTEGER.test(label) || Number(label) >= classNames.length) {
      fail(lineNumber, `field ${featureCount + 1} is not a class index`, `an integer in 0..${classNames.length - 1}`, JSON.stringify(label));
    }
    labels[row] = Number(label);
  }
  return { count, featureCount, classNames, features, labels };
}
