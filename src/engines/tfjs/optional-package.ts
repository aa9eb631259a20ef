import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The installed version of a package, or null when it cannot be resolved from mlcheck. */
export function installedVersion(packageName: string): string | null {
  try {
    const manifest = require(`${packageName}/package.json`) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : null;
  } catch {
    return null;
  }
}

/**
 * Imports an optional package by name. The specifier is a variable so that TypeScript does
 * not need the package's types (or the package) at build time; a missing package is an
 * ordinary rejection the caller turns into a reason.
 */
export async function importOptional(packageName: string): Promise<unknown> {
  const specifier: string = packageName;
  return (await import(specifier)) as unknown;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
