import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { untrustedReason } from './trusted-path.js';

export interface PrivateDirectoryOptions {
  /** Where the directory is made (default: the OS temp dir, which other users can write to). */
  parent?: string;
  /** Remove it when this process exits (default true). */
  removeOnExit?: boolean;
}

/**
 * A fresh directory only this user can use, for files that are later executed or loaded.
 * A fixed path under a shared /tmp could be planted by another local user and then run by a
 * root health check, so nothing there is ever reused: mkdtemp makes a new directory (mode 0700,
 * failing rather than reusing one), and its owner and mode are checked before it is trusted.
 */
export function createPrivateDirectory(prefix: string, options: PrivateDirectoryOptions = {}): string {
  const dir = mkdtempSync(path.join(options.parent ?? os.tmpdir(), prefix));
  assertPrivateDirectory(dir);
  if (options.removeOnExit !== false) {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return dir;
}

/** Throws unless `dir` is a real directory (not a link), owned by this user, writable by nobody else. */
export function assertPrivateDirectory(dir: string): void {
  const stats = lstatSync(dir);
  const uid = process.getuid?.();
  const problems = [
    !stats.isDirectory() && `${dir} is not a directory (a symbolic link?)`,
    uid !== undefined && stats.uid !== uid && `${dir} belongs to uid ${stats.uid}, not to this user (uid ${uid})`,
    untrustedReason(stats, dir, { trustedUids: uid === undefined ? [] : [uid] }),
  ].filter((problem): problem is string => typeof problem === 'string');
  if (problems.length > 0) {
    throw new Error(`refusing to use ${dir} for files that will be executed: ${[...new Set(problems)].join('; ')}. Fix: check who created it; set TMPDIR to a directory only you can write`);
  }
}
