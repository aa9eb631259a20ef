import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared test data, used only through the project's --data-dir option. */
export const sharedDataDir = path.resolve(repoRoot, '..', 'shared', 'data');
export const cliPath = path.join(repoRoot, 'bin', 'mlcheck.js');
export const fixtureWorkload = (name: string): string => path.join(repoRoot, 'test', 'fixtures', 'workloads', `${name}.mjs`);
/** Compiled modules: tests exercise what ships (dist/), built by `npm test` before vitest. */
export const distModule = (relative: string): string => path.join(repoRoot, 'dist', relative);
