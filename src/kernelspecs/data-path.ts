import path from 'node:path';
import { findExecutable } from './find-executable.js';

/** Where a folder of the Jupyter data path comes from, in Jupyter's own words (`jupyter --paths --debug`). */
export type DataDirSource = 'JUPYTER_PATH' | 'user' | 'user site' | 'environment' | 'system';

export interface DataDir {
  dir: string;
  source: DataDirSource;
}

export interface DataPathOptions {
  env: NodeJS.ProcessEnv;
  home: string;
  /**
   * sys.prefix of the Python that runs Jupyter: its share/jupyter is the environment's folder.
   * Undefined: CONDA_PREFIX, VIRTUAL_ENV, else the prefix of the `jupyter` on PATH; null: none.
   */
  envPrefix?: string | null;
}

/** Jupyter's system folders on Linux (jupyter_core.paths.SYSTEM_JUPYTER_PATH). */
export const SYSTEM_JUPYTER_PATH: readonly string[] = ['/usr/local/share/jupyter', '/usr/share/jupyter'];

/**
 * The Jupyter data path in jupyter_core's order (jupyter_core.paths.jupyter_path): JUPYTER_PATH,
 * then the user's folders and the environment's (the environment's first when
 * JUPYTER_PREFER_ENV_PATH is set), then the system folders. Each folder once, first place wins.
 */
export function jupyterDataPath(options: DataPathOptions): DataDir[] {
  const { env } = options;
  const dirs: DataDir[] = [];
  const add = (dir: string, source: DataDirSource): void => {
    const clean = dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
    if (clean !== '' && !dirs.some((d) => d.dir === clean)) dirs.push({ dir: clean, source });
  };
  for (const dir of (env.JUPYTER_PATH ?? '').split(path.delimiter)) add(dir, 'JUPYTER_PATH');
  const user: DataDir[] = [
    { dir: env.JUPYTER_DATA_DIR || path.join(env.XDG_DATA_HOME || path.join(options.home, '.local', 'share'), 'jupyter'), source: 'user' },
    // Python's user site (site.getuserbase()), which pip --user installs kernelspecs into.
    { dir: path.join(env.PYTHONUSERBASE || path.join(options.home, '.local'), 'share', 'jupyter'), source: 'user site' },
  ];
  const prefix = options.envPrefix === undefined ? environmentPrefix(env) : options.envPrefix;
  const environment: DataDir[] = prefix === null ? [] : [{ dir: path.join(prefix, 'share', 'jupyter'), source: 'environment' }];
  const envFirst = !['', 'no', 'n', 'false', 'off', '0', '0.0'].includes((env.JUPYTER_PREFER_ENV_PATH ?? '').toLowerCase());
  for (const d of envFirst ? [...environment, ...user] : [...user, ...environment]) {
    if (d.source === 'environment' && SYSTEM_JUPYTER_PATH.includes(d.dir)) continue;
    add(d.dir, d.source);
  }
  for (const dir of SYSTEM_JUPYTER_PATH) add(dir, 'system');
  return dirs;
}

/** The active conda or virtual environment, else the prefix of the `jupyter` found on PATH (/usr for Debian's). */
function environmentPrefix(env: NodeJS.ProcessEnv): string | null {
  if (env.CONDA_PREFIX) return env.CONDA_PREFIX;
  if (env.VIRTUAL_ENV) return env.VIRTUAL_ENV;
  const jupyter = findExecutable('jupyter', env);
  return jupyter === null ? null : path.dirname(path.dirname(jupyter));
}
