import { findBash, findModulesInit } from './modules-init.js';
import { untrustedModuleSource } from './module-sources.js';
import { runProcess } from './run-process.js';

/** `module -t avail` in bash after `module use` of each directory; as for loading, everything reaches bash as arguments. */
const AVAIL_SCRIPT = [
  'init=$1; shift',
  '. "$init" >/dev/null 2>&1',
  'type module >/dev/null 2>&1 || exit 97',
  'for dir in "$@"; do module use "$dir"; done',
  // module prints its listing on stderr (Environment Modules and Lmod both).
  'module -t avail 2>&1',
].join('\n');

export interface AvailableModules {
  /** Every module name listed (name/version as printed, without markers such as (default)). */
  modules: string[];
  initScript: string | null;
  /** Why the list could not be read, or null. */
  error: string | null;
}

export async function listAvailableModules(options: { env: NodeJS.ProcessEnv; modulePaths?: readonly string[] }): Promise<AvailableModules> {
  const init = findModulesInit(options.env);
  if (init.script === null) return { modules: [], initScript: null, error: `neither Environment Modules nor Lmod is installed (no bash init script in ${init.searched.join(', ')})` };
  const refusal = untrustedModuleSource({ initScript: init.script, modulePaths: options.modulePaths ?? [] });
  if (refusal !== null) return { modules: [], initScript: init.script, error: refusal };
  const result = await runProcess(findBash(options.env), ['--noprofile', '--norc', '-c', AVAIL_SCRIPT, 'mlcheck-avail', init.script, ...(options.modulePaths ?? [])], { env: options.env, timeoutMs: 60_000 });
  if (result.exitCode === 97) return { modules: [], initScript: init.script, error: `${init.script} did not define a \`module\` command` };
  if (result.exitCode !== 0) return { modules: [], initScript: init.script, error: `module -t avail failed (exit ${result.exitCode ?? result.signal}): ${result.stdout.toString('utf8').trim().split('\n').slice(-3).join(' ')}` };
  return { modules: parseTerseAvail(result.stdout.toString('utf8')), initScript: init.script, error: null };
}

/**
 * The terse listing: `/path/to/modulefiles:` headers, then one name per line. Lmod adds directory
 * lines ending in `/` and markers such as `(D)`; Environment Modules `(default)` and `<L>` tags.
 */
export function parseTerseAvail(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.endsWith(':') || line.endsWith('/')) continue;
    const name = line.replace(/\s*(\((?:default|D|L|[A-Za-z,]+)\)|<[^>]*>)\s*$/g, '').trim();
    if (/^[A-Za-z0-9_][A-Za-z0-9._+/-]*$/.test(name) && !names.includes(name)) names.push(name);
  }
  return names;
}
