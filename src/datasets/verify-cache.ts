/**
 * Remembers the content digest of files already hashed, keyed by path, size, mtime and inode,
 * so repeated runs (a Slurm prolog on every job) do not re-read 50 MB each time. Only the
 * digest is stored, never a verdict, so a changed manifest is judged afresh. Losing the cache
 * (unwritable dir, concurrent writers) only costs a re-hash.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { hashContent, type ContentDigest } from './content-hash.js';

interface Entry {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
  contentSize: number;
  gzipped: boolean;
}

interface CacheFile {
  version: 1;
  entries: Record<string, Entry>;
}

export interface DigestCache {
  /** The digest of `file`, from the cache when its size, mtime and inode are unchanged. */
  digest(file: string, options?: { fresh?: boolean }): Promise<ContentDigest>;
}

export function createDigestCache(cacheFile: string | undefined): DigestCache {
  let loaded: CacheFile | undefined;
  const load = (): CacheFile => {
    if (loaded) return loaded;
    loaded = { version: 1, entries: {} };
    if (cacheFile) {
      try {
        const parsed = JSON.parse(readFileSync(cacheFile, 'utf8')) as CacheFile;
        if (parsed.version === 1 && typeof parsed.entries === 'object' && parsed.entries !== null) loaded = parsed;
      } catch {
        // Missing or unreadable cache: start empty.
      }
    }
    return loaded;
  };

  return {
    async digest(file, options = {}) {
      const absolute = path.resolve(file);
      const stat = statSync(absolute);
      const cache = load();
      const known = cache.entries[absolute];
      if (!options.fresh && known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ino === stat.ino) {
        return { sha256: known.sha256, size: known.contentSize, gzipped: known.gzipped };
      }
      const digest = await hashContent(absolute);
      if (cacheFile) {
        // Re-read before writing so that entries other processes added meanwhile survive.
        loaded = undefined;
        const latest = load();
        latest.entries[absolute] = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha256: digest.sha256, contentSize: digest.size, gzipped: digest.gzipped };
        try {
          writeFileAtomic(cacheFile, `${JSON.stringify(latest, null, 1)}\n`);
        } catch {
          // A read-only cache dir only costs a re-hash next time.
        }
      }
      return digest;
    },
  };
}
