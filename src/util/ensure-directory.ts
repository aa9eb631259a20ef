import { lstatSync } from 'node:fs';
import { walkPath } from './path-walk.js';
import { refusePlantedLink } from './planted-link.js';

/**
 * `mkdir -p` that never creates through a link another user could have planted (see
 * refusePlantedLink): every component is looked at with lstat, and each missing one is created
 * once (mode 0755 before umask). Returns the folder's real path, for the caller to use from
 * then on.
 */
export function ensureDirectory(dir: string): string {
  const real = walkPath(dir, { create: true, check: refusePlantedLink });
  if (!lstatSync(real).isDirectory()) throw Object.assign(new Error(`${real} is not a directory`), { code: 'ENOTDIR', path: real });
  return real;
}
