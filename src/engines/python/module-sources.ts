import { checkTrustedPath } from '../../util/trusted-path.js';

export interface ModuleSources {
  /** The module system's bash init script, sourced first. */
  initScript: string;
  /** Folders given to `module use` (--module-path). */
  modulePaths: readonly string[];
}

/**
 * Null when root may source the init script and load modulefiles from each folder: each belongs to
 * root or the invoking user and nobody else can write it or a folder above it (a modulefile is
 * Tcl or Lua that runs as whoever loads it). Else the refusal, naming the offender and its mode.
 */
export function untrustedModuleSource(sources: ModuleSources): string | null {
  for (const [what, file] of [['the module system', sources.initScript], ...sources.modulePaths.map((dir) => ['--module-path', dir] as const)] as const) {
    const trust = checkTrustedPath(file);
    if (!trust.trusted) return `refusing ${what} ${file}: ${trust.problem}. Fix: ${trust.fix}`;
  }
  return null;
}
