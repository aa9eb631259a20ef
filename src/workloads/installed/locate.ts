import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PythonEnvironment } from '../../engines/python/session.js';
import type { InstalledExample } from './examples.js';

/** Variables whose entries are directories a module prepends (its prefix is above them). */
const PATH_VARIABLES = ['PATH', 'PYTHONPATH', 'LD_LIBRARY_PATH', 'LIBRARY_PATH', 'CPATH', 'MANPATH', 'PKG_CONFIG_PATH'];
/** How far above a module's bin/ or lib/python3.x/site-packages/ its install prefix may be. */
const PREFIX_LEVELS = 4;
const MAX_DEPTH = 7;
const MAX_DIRECTORIES = 20_000;
/** Too general to search below: the whole system. */
const TOO_GENERAL = new Set(['/', '/usr', '/usr/local', '/opt', '/cm', '/cm/shared', '/cm/shared/apps', '/home', '/usr/lib', '/usr/lib64', '/lib', '/lib64', '/usr/bin', '/bin']);

/**
 * Where a module's example scripts may be: --examples-dir first, then every directory the modules
 * added (to PATH, PYTHONPATH, ...) or named in a variable they set, with the parents up to the
 * module's install prefix, then the framework's own package directory.
 */
export function exampleSearchRoots(environment: PythonEnvironment, frameworkLocation: string | null): string[] {
  const roots: string[] = [...environment.spec.examplesDirs];
  const { env, baseEnv } = environment;
  for (const name of PATH_VARIABLES) {
    const before = new Set((baseEnv[name] ?? '').split(path.delimiter));
    for (const entry of (env[name] ?? '').split(path.delimiter)) {
      if (entry === '' || before.has(entry) || !path.isAbsolute(entry)) continue;
      let dir = entry;
      for (let level = 0; level <= PREFIX_LEVELS && searchable(dir); level++) {
        roots.push(dir);
        dir = path.dirname(dir);
      }
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === baseEnv[name] || PATH_VARIABLES.includes(name) || !path.isAbsolute(value) || value.includes(path.delimiter)) continue;
    if (searchable(value) && isDirectory(value)) roots.push(value);
  }
  if (frameworkLocation !== null) roots.push(frameworkLocation, path.dirname(frameworkLocation));
  return [...new Set(roots.map((root) => path.resolve(root)))].filter((root) => isDirectory(root));
}

/** The example script under the first root that has it; null with the roots searched. */
export function findExample(example: InstalledExample, roots: readonly string[]): string | null {
  for (const root of roots) {
    const found = walk(root, example);
    if (found !== null) return found;
  }
  return null;
}

function walk(root: string, example: InstalledExample): string | null {
  const queue: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  let visited = 0;
  while (queue.length > 0 && visited < MAX_DIRECTORIES) {
    const { dir, depth } = queue.shift()!;
    visited++;
    for (const location of example.locations) {
      const candidate = path.join(dir, location);
      if (existsSync(candidate)) return candidate;
    }
    if (depth >= MAX_DEPTH) continue;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    // Real directories only: a symbolic link may lead back up the tree.
    for (const entry of entries) if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== '__pycache__' && entry.name !== 'node_modules') queue.push({ dir: path.join(dir, entry.name), depth: depth + 1 });
  }
  return null;
}

/** Below the system's top folders (/tmp, /opt, /usr/local, ...): a module's own tree. */
function searchable(dir: string): boolean {
  return !TOO_GENERAL.has(dir) && dir.split('/').filter(Boolean).length >= 2;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
