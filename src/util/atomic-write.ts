import { closeSync, constants, fchmodSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ensureDirectory } from './ensure-directory.js';
import { replacementMode } from './replacement-mode.js';

/** Create only: never open a file or a link that is already there (someone may have planted it). */
export const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export interface WriteFileOptions {
  /** Permission bits of a new file (before umask); default 0644. An existing file's mode is kept. */
  mode?: number;
}

/**
 * The one way mlcheck writes a file. A reader (or a `kill -9` of this process) sees either the
 * old file or the whole new one, and nothing is ever written through a link:
 *   - the folder is reached with ensureDirectory, which refuses a link another user could have
 *     planted on the way;
 *   - the data goes into a new file, created with O_EXCL and O_NOFOLLOW, in a private temporary
 *     folder (mkdtemp: an unpredictable name, mode 0700) inside that folder, so on the same
 *     filesystem and the rename is atomic;
 *   - rename() puts it in place: a link at the target is replaced, never followed; an existing
 *     file of this user keeps its mode; another user's file is refused (replacementMode).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: WriteFileOptions = {}): void {
  const dir = ensureDirectory(path.dirname(path.resolve(file)));
  const target = path.join(dir, path.basename(file));
  const keptMode = replacementMode(target);
  const privateDir = mkdtempSync(path.join(dir, `.${path.basename(file)}.`));
  const temporary = path.join(privateDir, 'new');
  try {
    const fd = openSync(temporary, CREATE_NEW, keptMode ?? options.mode ?? 0o644);
    try {
      // The umask applied at creation must not change the mode of the file this one replaces.
      if (keptMode !== undefined) fchmodSync(fd, keptMode);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } finally {
    // Only what this call created: the folder mkdtemp made, and the file when the rename failed.
    rmSync(privateDir, { recursive: true, force: true });
  }
  try {
    const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Directory fsync is not supported everywhere; the rename itself is still atomic.
  }
}
