import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DataDir, DataDirSource } from './data-path.js';

export interface FoundKernelspec {
  /** The kernel's name: its folder's name, lower-cased, as Jupyter lists it. */
  name: string;
  dir: string;
  file: string;
  source: DataDirSource;
  /** The kernel.json of the same name earlier on the data path, which Jupyter uses instead; null when this one is used. */
  shadowedBy: string | null;
  /** Jupyter ignores a folder whose name is not a valid kernel name (jupyter_client's _is_valid_kernel_name). */
  validName: boolean;
}

const KERNEL_NAME = /^[a-z0-9._-]+$/i;

/**
 * Every <data dir>/kernels/<name>/kernel.json in the data path's order, as jupyter_client's
 * KernelSpecManager.find_kernel_specs walks it: the first folder of a name wins.
 */
export function findKernelspecs(options: { dataPath: readonly DataDir[] }): FoundKernelspec[] {
  const found: FoundKernelspec[] = [];
  const used = new Map<string, string>();
  for (const { dir, source } of options.dataPath) {
    const kernels = path.join(dir, 'kernels');
    let entries: string[];
    try {
      entries = readdirSync(kernels).sort();
    } catch {
      continue;
    }
    for (const entry of entries) {
      const kernelDir = path.join(kernels, entry);
      const file = path.join(kernelDir, 'kernel.json');
      if (!isDirectory(kernelDir) || !existsSync(file)) continue;
      const name = entry.toLowerCase();
      const validName = KERNEL_NAME.test(entry);
      const earlier = validName ? used.get(name) : undefined;
      if (validName && earlier === undefined) used.set(name, file);
      found.push({ name, dir: kernelDir, file, source, shadowedBy: earlier ?? null, validName });
    }
  }
  return found;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
