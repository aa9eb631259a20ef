import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError, RequirementError } from '../../util/errors.js';
import type { VerifiedFile } from '../types.js';

/** A file to read: its path, or bytes already read (and verified) with the path they came from. */
export type DataSource = string | VerifiedFile;

/** The path a source names, for messages. */
export function sourcePath(source: DataSource): string {
  return typeof source === 'string' ? source : source.path;
}

/** True when the bytes start with the gzip magic (1f 8b), whatever the file is called. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface DecompressedFile {
  bytes: Buffer;
  /** True when the file on disk was gzip-compressed; offsets in errors then refer to the content. */
  gzipped: boolean;
}

/** Reads a file (or takes the bytes given) and gunzips it when it is gzip data (detected by content, not by name). */
export function readDecompressed(source: DataSource): DecompressedFile {
  const file = sourcePath(source);
  let raw: Buffer;
  try {
    raw = typeof source === 'string' ? readFileSync(source) : source.bytes;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RequirementError(`data file not found: ${file}`, { file, fix: 'stage the dataset: mlcheck datasets fetch <id> (see mlcheck datasets list)' });
    throw new DataError(`cannot read ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  if (!isGzip(raw)) return { bytes: raw, gzipped: false };
  try {
    return { bytes: gunzipSync(raw), gzipped: true };
  } catch (error) {
    throw new DataError(`${file}: corrupt or truncated gzip data (${(error as Error).message})`, {
      file,
      expected: 'a complete gzip stream',
      found: `${raw.length} bytes that do not decompress`,
      fix: 'delete the file and stage it again (mlcheck datasets fetch <id>)',
      cause: error,
    });
  }
}

/** "offset 16 of the decompressed content" vs "offset 16". */
export function describeOffset(offset: number, gzipped: boolean): string {
  return gzipped ? `offset ${offset} of the decompressed content` : `offset ${offset}`;
}
