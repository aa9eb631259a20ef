import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataError } from '../util/errors.js';

export interface ContentDigest {
  /** sha256 (hex) of the decompressed content. */
  sha256: string;
  /** Bytes of decompressed content. */
  size: number;
  gzipped: boolean;
}

async function startsWithGzipMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Hashes a file's content, gunzipping it first when it is gzip data (by magic, not by name). */
export async function hashContent(file: string): Promise<ContentDigest> {
  const gzipped = await startsWithGzipMagic(file);
  const hash = createHash('sha256');
  let size = 0;
  const sink = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<never> {
    for await (const chunk of source) {
      size += chunk.length;
      hash.update(chunk);
    }
  };
  try {
    if (gzipped) await pipeline(createReadStream(file), createGunzip(), sink);
    else await pipeline(createReadStream(file), sink);
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
