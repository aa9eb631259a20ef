import { lstatSync, type Stats } from 'node:fs';
import { UsageError } from './errors.js';

/**
 * The permission bits for a new file that a rename will put in place of `target`:
 *   - undefined when nothing there has a mode to keep: no file, or a symbolic link (the rename
 *     replaces the link itself and never writes where it points), or a folder (the rename fails);
 *   - the existing file's bits when this user owns it, so replacing never changes a file's mode
 *     (a mode-600 file stays 600);
 * and throws when another user owns what is there: root never replaces someone else's file,
 * whose mode could let its owner write what root wrote.
 */
export function replacementMode(target: string): number | undefined {
  let stats: Stats;
  try {
    stats = lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (stats.isSymbolicLink() || stats.isDirectory()) return undefined;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new UsageError(`refusing to replace ${target}: it belongs to uid ${stats.uid} (mode ${(stats.mode & 0o7777).toString(8)}), not to this user (uid ${uid})`, {
      file: target,
      fix: [`if it should be mlcheck's, remove ${target} and run again`, 'or choose another path'],
    });
  }
  return stats.mode & 0o777;
}
