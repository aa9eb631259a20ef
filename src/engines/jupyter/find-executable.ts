import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/**
 * What a kernel's argv[0] runs: a path as it is, a bare name through PATH (as the server's
 * Popen does). Null when it is not an executable file.
 */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | null {
  if (name.includes('/')) return isExecutableFile(name) ? name : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '')) {
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
