import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataError } from '../util/errors.js';
import { openDataFile } from './open-data-file.js';

export interface ContentDigest {
  /** sha256 (hex) of the decompressed content. */
  sha256: string;
  /** Bytes of decompressed content. */
  size: number;
  gzipped: boolean;
}

const isGzipMagic = (head: Uint8Array): boolean => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/** Hashes what `source` yields, gunzipping it first when it is gzip data (by magic, not by name). */
async function digestOf(source: () => Readable, gzipped: boolean, file: string): Promise<ContentDigest> {
  const hash = createHash('sha256');
  let size = 0;
  const sink = async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<never> {
    for await (const chunk of chunks) {
      size += chunk.length;
      hash.update(chunk);
    }
  };
  try {
    if (gzipped) await pipeline(source(), createGunzip(), sink);
    else await pipeline(source(), sink);
  } catch (error) {
    if (!gzipped) throw error;
    throw new DataError(`${file}: corrupt or truncated gzip data (${(error as Error).message})`, {
      file,
      offset: size,
      expected: 'a complete gzip stream',
      found: `the stream breaks after ${size} decompressed bytes`,
      fix: `delete ${file} and stage it again`,
      cause: error,
    });
  }
  return { sha256: hash.digest('hex'), size, gzipped };
}

/** Hashes an open file's content from its first byte; `file` only names it in errors. */
export async function hashOpenFile(handle: FileHandle, file: string): Promise<ContentDigest> {
  const head = Buffer.alloc(2);
  const { bytesRead } = await handle.read(head, 0, 2, 0);
  return digestOf(() => handle.createReadStream({ start: 0, autoClose: false }), isGzipMagic(head.subarray(0, bytesRead)), file);
}

/** Hashes bytes already read from `file` (the very bytes a reader then uses). */
export async function hashBytes(bytes: Buffer, file: string): Promise<ContentDigest> {
  return digestOf(() => Readable.from([bytes]), isGzipMagic(bytes), file);
}

/** Hashes a file's content, gunzipping it first when it is gzip data (by magic, not by name). */
export async function hashContent(file: string): Promise<ContentDigest> {
  const { handle } = await openDataFile(file);
  try {
    return await hashOpenFile(handle, file);
  } finally {
    await handle.close();
  }
}
