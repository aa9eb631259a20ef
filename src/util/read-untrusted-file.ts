import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export interface ReadUntrustedFileOptions {
  /** A larger file is refused without being read. */
  maxBytes: number;
}

export type UntrustedFile =
  | { kind: 'read'; bytes: Buffer }
  | { kind: 'missing' }
  /** Why it was not read; never any of its content. */
  | { kind: 'refused'; problem: string };

/**
 * Reads a file that someone else may have planted: a report another node (or a user) wrote into
 * a shared folder. Only a regular file is read, and only from the descriptor that was checked:
 *
 * - O_NOFOLLOW: a symbolic link is refused, never followed (a link to /etc/shadow);
 * - O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer forever;
 * - fstat on the open descriptor: anything but a regular file (FIFO, socket, device, folder) is
 *   refused, and so is a file larger than maxBytes;
 * - at most maxBytes + 1 bytes are read, so a file that grows after fstat is refused too.
 *
 * A link in a folder above the file is followed: the folders are the caller's to check.
 */
export function readUntrustedFile(file: string, options: ReadUntrustedFileOptions): UntrustedFile {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP') return { kind: 'refused', problem: 'is a symbolic link: not followed' };
    return { kind: 'refused', problem: `cannot be opened (${code ?? 'error'})` };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: 'refused', problem: `is ${typeName(stats)}, not a regular file` };
    if (stats.size > options.maxBytes) return { kind: 'refused', problem: `is ${stats.size} bytes, more than the ${options.maxBytes} a report may have` };
    const buffer = Buffer.alloc(Math.min(stats.size, options.maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (buffer.length > options.maxBytes) return { kind: 'refused', problem: `grew past ${options.maxBytes} bytes while it was read` };
        return { kind: 'refused', problem: 'changed size while it was read' };
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return { kind: 'read', bytes: buffer.subarray(0, length) };
  } catch (error) {
    return { kind: 'refused', problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
}

function typeName(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}
