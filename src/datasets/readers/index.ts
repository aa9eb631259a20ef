export { readIdxImages, readIdxLabels, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from './idx.js';
export type { IdxImages, IdxLabels, ReadIdxImagesOptions, ReadIdxLabelsOptions } from './idx.js';
export { readIrisCsv } from './iris-csv.js';
export type { IrisCsv, ReadIrisCsvOptions } from './iris-csv.js';
export { isGzip, readDecompressed } from './decompressed.js';
export type { DataSource } from './decompressed.js';
