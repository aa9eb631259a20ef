import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root (the folder with package.json), from dist/util or src/util. */
export const packageRoot: string = fileURLToPath(new URL('../../', import.meta.url));

let cachedVersion: string | undefined;

export function packageVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
