/**
 * Stand-in CUDA libraries: tiny shared objects with the sonames a framework dlopens. They prove
 * the loader-based lookups find and miss exactly what ld.so finds and misses on a real node
 * (LD_LIBRARY_PATH, dependencies, undefined symbols); they implement nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface StandInOptions {
  /** Undefined functions the library calls (dlopen with RTLD_NOW then fails with "undefined symbol"). */
  undefinedSymbols?: readonly string[];
  /** Libraries it is linked against (DT_NEEDED), as absolute paths of other stand-ins. */
  needs?: readonly string[];
}

/** Compiles one stand-in library named by its soname into `dir`; returns its path. */
export function buildStandIn(dir: string, soname: string, options: StandInOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const symbol = soname.replace(/\W/g, '_');
  const calls = options.undefinedSymbols ?? [];
  const source = path.join(dir, `${symbol}.c`);
  writeFileSync(
    source,
    [...calls.map((name) => `extern void ${name}(void);`), `int ${symbol}_stand_in(void) { ${calls.map((name) => `${name}();`).join(' ')} return 0; }`, ''].join('\n'),
  );
  const output = path.join(dir, soname);
  // --no-as-needed: the stand-in uses nothing from its dependency, and the link must still record it (DT_NEEDED).
  const needs = (options.needs ?? []).flatMap((library) => ['-Wl,--no-as-needed', `-L${path.dirname(library)}`, `-l:${path.basename(library)}`]);
  execFileSync('cc', ['-shared', '-fPIC', `-Wl,-soname,${soname}`, '-o', output, source, ...needs], { stdio: 'pipe' });
  return output;
}

/** A fresh temp directory for one set of stand-ins. */
export function standInDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `mlcheck-fake-cuda-${name}-`));
}
