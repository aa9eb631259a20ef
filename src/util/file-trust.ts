import type { Stats } from 'node:fs';

export interface TrustOptions {
  /** The user mlcheck runs as; default this process's uid. */
  uid?: number;
  /**
   * Accept a folder that others can write when it has the sticky bit (/tmp): there only an
   * entry's owner (and root) can rename or remove it. Never for a file's own contents.
   */
  stickyFolder?: boolean;
}

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(3, '0');

/**
 * Why a file, folder or link cannot be trusted, or undefined when it can: root acts only on what
 * root or the invoking user owns and nobody else can write (group or other write bits).
 */
export function untrustedReason(stats: Stats, options: TrustOptions = {}): string | undefined {
  const uid = options.uid ?? process.getuid?.();
  if (uid === undefined) return undefined;
  if (stats.uid !== 0 && stats.uid !== uid) return `it belongs to uid ${stats.uid}, not to root or this user (uid ${uid})`;
  if (stats.isSymbolicLink() || (stats.mode & 0o022) === 0) return undefined;
  if (options.stickyFolder && stats.isDirectory() && (stats.mode & 0o1000) !== 0) return undefined;
  return `its mode ${octal(stats.mode)} lets other users write to it`;
}
