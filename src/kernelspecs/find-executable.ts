import { findOnPath, isExecutableFile } from '../util/executable-on-path.js';

/**
 * What a kernel's argv[0] runs: a path as it is, a bare name through PATH (as the server's
 * Popen does). Null when it is not an executable file.
 */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | null {
  if (name.includes('/')) return isExecutableFile(name) ? name : null;
  return findOnPath(name, env.PATH);
}
