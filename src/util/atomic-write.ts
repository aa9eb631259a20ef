import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ensureDirectory } from './ensure-directory.js';

/** Create only: never open a file or a link that is already there (someone may have planted it). */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes `data` to `file` so that a reader (or a `kill -9` of this process) sees either the old
 * file or the whole new one: a temporary file in the same directory, fsync, then rename. The
 * temporary file has an unpredictable name and is created with O_EXCL and O_NOFOLLOW, so a link
 * planted in a directory others can write is never written through.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  ensureDirectory(dir);
  const temporary = path.join(dir, `.${path.basename(file)}.${randomBytes(12).toString('hex')}.tmp`);
  const fd = openSync(temporary, CREATE_NEW, 0o644);
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    // Only the file this call created: the open above failed before anything was there to remove.
    rmSync(temporary, { force: true });
    throw error;
  }
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Directory fsync is not supported everywhere; the rename itself is still atomic.
  }
}
