import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PythonEnvironment } from '../../engines/python/session.js';
import type { InstalledExample } from './examples.js';

/** Variables whose entries are folders a module prepends, each below the module's install prefix. */
const PATH_VARIABLES = ['PATH', 'PYTHONPATH', 'LD_LIBRARY_PATH', 'LIBRARY_PATH', 'CPATH', 'MANPATH', 'PKG_CONFIG_PATH'];
/**
 * Where such a folder sits in an install prefix: <prefix>/bin, <prefix>/lib/python3.11/site-packages,
 * <prefix>/lib64, <prefix>/include, <prefix>/share/man, <prefix>/lib/pkgconfig. A folder of no known
 * shape is its own prefix: the search never climbs above what the module named.
 */
const PREFIX_LAYOUTS: readonly RegExp[] = [
  /^(.+)\/(?:lib|lib64)\/python[\d.]*\/(?:site|dist)-packages$/,
  /^(.+)\/(?:lib|lib64|share)\/pkgconfig$/,
  /^(.+)\/share\/man$/,
  /^(.+)\/(?:bin|sbin|lib|lib64|include)$/,
];
const MAX_DEPTH = 7;
const MAX_DIRECTORIES = 20_000;
/** Too general to search below: the whole system. */
const TOO_GENERAL = new Set(['/', '/usr', '/usr/local', '/opt', '/cm', '/cm/shared', '/cm/shared/apps', '/home', '/usr/lib', '/usr/lib64', '/lib', '/lib64', '/usr/bin', '/bin']);

/**
 * Where a module's example scripts may be: --examples-dir first, then the install prefix of each
 * folder the modules added to PATH, PYTHONPATH, ... Never a folder above a prefix, and never one a
 * module merely names in a variable of its own (SCRATCH_TMP=/var/tmp is no place for code).
 */
export function exampleSearchRoots(environment: PythonEnvironment): string[] {
  const roots: string[] = [...environment.spec.examplesDirs];
  const { env, baseEnv } = environment;
  for (const name of PATH_VARIABLES) {
    const before = new Set((baseEnv[name] ?? '').split(path.delimiter));
    for (const entry of (env[name] ?? '').split(path.delimiter)) {
      if (entry === '' || before.has(entry) || !path.isAbsolute(entry)) continue;
      const prefix = installPrefix(path.resolve(entry));
      if (searchable(prefix)) roots.push(prefix);
    }
  }
  return [...new Set(roots.map((root) => path.resolve(root)))].filter((root) => isDirectory(root));
}

/** The prefix a folder a module added belongs to (the folder itself when its shape is unknown). */
function installPrefix(dir: string): string {
  for (const layout of PREFIX_LAYOUTS) {
    const match = layout.exec(dir);
    if (match) return match[1]!;
  }
  return dir;
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

/** Below the system's top folders (/usr/local, /opt, ...): a module's own tree. */
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
