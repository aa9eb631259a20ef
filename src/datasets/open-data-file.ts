import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { DataError } from '../util/errors.js';

export interface OpenDataFile {
  handle: FileHandle;
  /** fstat of the open file: what was opened, whatever the path names by now. */
  stats: Stats;
}

/**
 * Opens a data file for reading: O_NONBLOCK so that a FIFO planted under a data file's name
 * cannot hang the check, and only a regular file is accepted. A link is followed (system
 * folders and staging folders may link their files), since what counts is the content read from
 * this open file, which is what gets hashed.
 */
export async function openDataFile(file: string): Promise<OpenDataFile> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new DataError(`${file} is not a regular file`, { file, expected: 'a regular file', found: stats.isFIFO() ? 'a FIFO' : stats.isDirectory() ? 'a directory' : 'a device or socket', fix: `remove ${file} and stage the dataset again` });
    }
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
