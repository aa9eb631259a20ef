import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The one way mlcheck asks "can the dynamic loader load soname X here": it loads it, as the
 * frameworks do (dlopen with RTLD_NOW | RTLD_LOCAL), so a missing dependency or an unresolved
 * symbol fails here as it would fail there. It runs in the case process that is about to load
 * the same libraries anyway; loading a CUDA library does not initialise the driver (cuInit does).
 */

/** A shared library a framework opens at run time, by the soname it asks the loader for. */
export interface SharedLibrary {
  file: string;
  provides: string;
}

export interface MissingLibrary extends SharedLibrary {
  /** The loader's message, e.g. "libcudnn.so.8: cannot open shared object file: No such file or directory". */
  problem: string;
}

/** Why the dynamic loader cannot load a library (its dlerror text), or null when it can. */
export type LibraryLoadCheck = (soname: string) => string | null;

/** The folders on LD_LIBRARY_PATH, in order. */
export function ldLibraryPath(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.LD_LIBRARY_PATH ?? '').split(':').filter((dir) => dir.length > 0);
}

/**
 * A check that loads by soname through LD_LIBRARY_PATH, RUNPATH and ld.so.cache; a library found
 * in one of `searchFirst` (a provider's own folder, its $ORIGIN) is loaded from there.
 */
export function loaderCheck(options: { searchFirst?: readonly string[] } = {}): LibraryLoadCheck {
  return (soname) => {
    const local = (options.searchFirst ?? []).map((dir) => path.join(dir, soname)).find((file) => existsSync(file));
    return dlopenProblem(local ?? soname);
  };
}

export const dlopenCheck: LibraryLoadCheck = loaderCheck();

/** process.dlopen rejects a library that is no Node addon as "did not self-register": that proves the loader found and linked it. */
function dlopenProblem(fileOrSoname: string): string | null {
  const { RTLD_NOW, RTLD_LOCAL } = os.constants.dlopen as { RTLD_NOW?: number; RTLD_LOCAL?: number };
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, fileOrSoname, (RTLD_NOW ?? 2) | (RTLD_LOCAL ?? 0));
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return /did not self-register/i.test(message) ? null : message.split('\n')[0]!;
  }
}

/** The libraries the loader cannot load, each with its reason. */
export function missingLibraries(libraries: readonly SharedLibrary[], check: LibraryLoadCheck = dlopenCheck): MissingLibrary[] {
  const missing: MissingLibrary[] = [];
  for (const library of libraries) {
    const problem = check(library.file);
    if (problem !== null) missing.push({ ...library, problem });
  }
  return missing;
}

/** "libcudnn.so.8 (cuDNN 8): <loader message>", one entry per library, for a reason line. */
export function describeMissing(missing: readonly MissingLibrary[]): string {
  return missing.map((library) => `${library.file} (${library.provides})${library.problem.startsWith(`${library.file}:`) ? '' : `: ${library.problem}`}`).join(', ');
}
