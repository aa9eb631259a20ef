import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Where the dynamic loader would find a library, or null; the answer names the place. */
export type LibraryFinder = (soname: string) => string | null;

export interface LibrarySearchOptions {
  /** `ldconfig -p` output; read from the system when omitted. */
  ldconfigOutput?: string;
  /** Folders searched before the loader cache, as LD_LIBRARY_PATH and an RPATH of $ORIGIN are. */
  directories?: readonly string[];
}

/**
 * Finds shared libraries the way ld.so does for a provider library: LD_LIBRARY_PATH, the
 * provider's own folder ($ORIGIN), then the ld.so cache. Nothing is loaded: dlopen-ing CUDA
 * libraries into the mlcheck process just to look for them could initialise a broken driver.
 */
export function createLibraryFinder(options: LibrarySearchOptions = {}): LibraryFinder {
  const directories = options.directories ?? defaultDirectories();
  let cache: Map<string, string> | undefined;
  return (soname) => {
    for (const directory of directories) {
      const candidate = path.join(directory, soname);
      if (existsSync(candidate)) return candidate;
    }
    cache ??= parseLdconfig(options.ldconfigOutput ?? readLdconfig());
    return cache.get(soname) ?? null;
  };
}

function defaultDirectories(): string[] {
  return (process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d.length > 0);
}

function readLdconfig(): string {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // try the next location
    }
  }
  return '';
}

/** `\tlibcudart.so.12 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudart.so.12` lines. */
export function parseLdconfig(output: string): Map<string, string> {
  const entries = new Map<string, string>();
  const is64bit = process.arch === 'x64' || process.arch === 'arm64';
  for (const line of output.split('\n')) {
    const match = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, soname, flags, target] = match as unknown as [string, string, string, string];
    if (is64bit && !/64/.test(flags)) continue;
    if (!entries.has(soname)) entries.set(soname, target);
  }
  return entries;
}
