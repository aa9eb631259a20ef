import { homedir } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../util/package-info.js';
import type { DatasetFileManifest, DatasetManifest, SearchLocation } from './types.js';

export interface LocationOptions {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  cacheDir?: string;
  /** Search well-known system folders (Debian's /usr/share/datasets/...). Default true. */
  systemPaths?: boolean;
  /**
   * The folder holding the copies shipped in the package (datasets/<directory>/), searched last;
   * null: none. Default: MLCHECK_PACKAGE_DATA_DIR when set (empty: none), else the package's datasets/.
   */
  packageDataDir?: string | null;
}

export interface Root {
  dir: string;
  origin: string;
}

/** The folder a --data-dir value (or MLCHECK_DATA_DIR) names, absolute; undefined when it is absent or empty, which means unset. */
export function chosenDataDir(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : path.resolve(value);
}

/** The data dir the user chose: --data-dir, else MLCHECK_DATA_DIR; undefined when neither. */
export function dataDirRoot(options: LocationOptions): Root | undefined {
  const fromOption = chosenDataDir(options.dataDir);
  if (fromOption !== undefined) return { dir: fromOption, origin: '--data-dir' };
  const fromEnv = chosenDataDir((options.env ?? process.env).MLCHECK_DATA_DIR);
  if (fromEnv !== undefined) return { dir: fromEnv, origin: 'MLCHECK_DATA_DIR' };
  return undefined;
}

/** mlcheck's cache: cacheDir, else $XDG_CACHE_HOME/mlcheck, else ~/.cache/mlcheck. */
export function cacheRoot(options: LocationOptions): Root {
  if (options.cacheDir !== undefined) return { dir: path.resolve(options.cacheDir), origin: 'cache dir' };
  const xdg = (options.env ?? process.env).XDG_CACHE_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  if (xdg && path.isAbsolute(xdg)) return { dir: path.join(xdg, 'mlcheck'), origin: '$XDG_CACHE_HOME/mlcheck' };
  return { dir: path.join(homedir(), '.cache', 'mlcheck'), origin: '~/.cache/mlcheck' };
}

/** The package's own copies (datasets/ in the mlcheck package); undefined when turned off. */
export function packageDataRoot(options: LocationOptions): Root | undefined {
  if (options.packageDataDir === null) return undefined;
  if (options.packageDataDir !== undefined) return { dir: path.resolve(options.packageDataDir), origin: 'package' };
  const fromEnv = (options.env ?? process.env).MLCHECK_PACKAGE_DATA_DIR;
  if (fromEnv === '') return undefined;
  return { dir: fromEnv !== undefined ? path.resolve(fromEnv) : path.join(packageRoot, 'datasets'), origin: 'package' };
}

/** Every folder searched for the dataset's files, in lookup order. */
export function searchLocations(manifest: DatasetManifest, options: LocationOptions): SearchLocation[] {
  const locations: SearchLocation[] = [];
  const dataDir = dataDirRoot(options);
  if (dataDir) locations.push({ kind: 'data-dir', dir: path.join(dataDir.dir, manifest.directory), origin: dataDir.origin });
  const cache = cacheRoot(options);
  locations.push({ kind: 'cache', dir: path.join(cache.dir, manifest.directory), origin: cache.origin });
  if (options.systemPaths !== false) {
    for (const dir of manifest.systemPaths ?? []) locations.push({ kind: 'system', dir, origin: 'system path' });
  }
  const shipped = packageDataRoot(options);
  if (shipped) locations.push({ kind: 'package', dir: path.join(shipped.dir, manifest.directory), origin: shipped.origin });
  return locations;
}

/** File names accepted on disk, preferred first: the raw name, then gzip, then aliases. */
export function acceptedNames(file: DatasetFileManifest): string[] {
  const names: string[] = [];
  for (const name of [file.name, ...(file.aliases ?? [])]) names.push(name, `${name}.gz`);
  return [...new Set(names)];
}
