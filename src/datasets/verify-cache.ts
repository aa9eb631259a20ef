/**
 * Remembers the content digest of files already hashed, so repeated runs (a Slurm prolog on
 * every job) do not re-read 50 MB each time. Only the digest is stored, never a verdict, so a
 * changed manifest is judged afresh. Losing the cache (unwritable dir, concurrent writers) only
 * costs a re-hash.
 *
 * An entry is believed only when nobody but root or the invoking user could have changed the
 * data file or the cache since (docs/security.md, "Data"):
 *   - the key is the file's path, device, inode, size, mtime and ctime: a rewrite in place that
 *     restores the mtime (touch -d) still moves the ctime, which no user can set;
 *   - the cache file and the data file must belong to root or this user and be writable by
 *     nobody else, else a user could forge an entry, or rewrite the data without moving anything
 *     the key holds (a cache under a user's XDG_CACHE_HOME, a data file others can write);
 * otherwise the file is hashed. Either way the digest is of the open file the caller reads.
 */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { untrustedReason } from '../util/trusted-path.js';
import { hashBytes, hashOpenFile, type ContentDigest } from './content-hash.js';
import { openDataFile } from './open-data-file.js';

interface Entry {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  sha256: string;
  contentSize: number;
  gzipped: boolean;
}

interface CacheFile {
  /** Entries written before the key held the ctime and device lack them, and so never match. */
  version: 1;
  entries: Record<string, Entry>;
}

/** A data file's bytes as they were verified. */
export interface VerifiedBytes {
  /** The bytes of the file as on disk (gzip-compressed or not), read from the file that was hashed. */
  bytes: Buffer;
  digest: ContentDigest;
}

export interface DigestCache {
  /** The digest of `file`'s content, from the cache when a trusted entry matches the open file. */
  digest(file: string, options?: { fresh?: boolean }): Promise<ContentDigest>;
  /** The bytes of `file` and their digest, both from one open file. */
  read(file: string): Promise<VerifiedBytes>;
}

const sameFile = (entry: Entry, stats: Stats): boolean =>
  entry.dev === stats.dev && entry.ino === stats.ino && entry.size === stats.size && entry.mtimeMs === stats.mtimeMs && entry.ctimeMs === stats.ctimeMs;

const unchanged = (before: Stats, after: Stats): boolean =>
  before.dev === after.dev && before.ino === after.ino && before.size === after.size && before.mtimeMs === after.mtimeMs && before.ctimeMs === after.ctimeMs;

/** The cache file's entries, only when the file is one this user or root wrote and nobody else can. */
async function loadTrusted(cacheFile: string): Promise<CacheFile> {
  const empty: CacheFile = { version: 1, entries: {} };
  let handle;
  try {
    handle = await open(cacheFile, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return empty;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || untrustedReason(stats, cacheFile) !== undefined) return empty;
    const parsed = JSON.parse(await handle.readFile('utf8')) as CacheFile;
    return parsed.version === 1 && typeof parsed.entries === 'object' && parsed.entries !== null ? parsed : empty;
  } catch {
    return empty;
  } finally {
    await handle.close();
  }
}

export function createDigestCache(cacheFile: string | undefined): DigestCache {
  let loaded: Promise<CacheFile> | undefined;
  const load = (): Promise<CacheFile> => (loaded ??= cacheFile ? loadTrusted(cacheFile) : Promise.resolve({ version: 1, entries: {} }));

  /** Only a file nobody else can write is worth remembering: anyone else could change it without moving the key. */
  const cacheable = (stats: Stats): boolean => cacheFile !== undefined && untrustedReason(stats, 'the file') === undefined;

  const lookup = async (absolute: string, stats: Stats): Promise<ContentDigest | undefined> => {
    if (!cacheable(stats)) return undefined;
    const known = (await load()).entries[absolute];
    return known && sameFile(known, stats) ? { sha256: known.sha256, size: known.contentSize, gzipped: known.gzipped } : undefined;
  };

  const remember = async (absolute: string, stats: Stats, digest: ContentDigest): Promise<void> => {
    if (!cacheFile || !cacheable(stats)) return;
    // Re-read before writing so that entries other processes added meanwhile survive.
    loaded = undefined;
    const latest = await load();
    latest.entries[absolute] = { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, sha256: digest.sha256, contentSize: digest.size, gzipped: digest.gzipped };
    try {
      writeFileAtomic(cacheFile, `${JSON.stringify(latest, null, 1)}\n`);
    } catch {
      // A read-only cache dir (or one mlcheck refuses to write) only costs a re-hash next time.
    }
  };

  return {
    async digest(file, options = {}) {
      const absolute = path.resolve(file);
      const { handle, stats } = await openDataFile(absolute);
      try {
        const known = options.fresh ? undefined : await lookup(absolute, stats);
        if (known) return known;
        const digest = await hashOpenFile(handle, absolute);
        if (unchanged(stats, await handle.stat())) await remember(absolute, stats, digest);
        return digest;
      } finally {
        await handle.close();
      }
    },

    async read(file) {
      const absolute = path.resolve(file);
      const { handle, stats } = await openDataFile(absolute);
      try {
        const bytes = await handle.readFile();
        // The entry vouches for these bytes only if the file did not change while they were read.
        const steady = unchanged(stats, await handle.stat()) && bytes.length === stats.size;
        const known = steady ? await lookup(absolute, stats) : undefined;
        if (known) return { bytes, digest: known };
        const digest = await hashBytes(bytes, absolute);
        if (steady) await remember(absolute, stats, digest);
        return { bytes, digest };
      } finally {
        await handle.close();
      }
    },
  };
}
