import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { normalizePciBusId } from './pci-address.js';

/** What the nvidia kernel module says about one GPU it drives. */
export interface DeviceMinorEntry {
  /** The N of /dev/nvidiaN. */
  minor: number;
  /** Normalised PCI address, e.g. "0000:3b:00.0". */
  pciBusId: string;
  /** "GPU-..." when the module knows it (it prints question marks for a GPU not yet initialised). */
  uuid: string | null;
}

export interface DeviceMinors {
  entries: DeviceMinorEntry[];
  /** Null when the module's GPU folders were read; otherwise why not (then entries is empty). */
  error: string | null;
}

export interface DeviceMinorsOptions {
  /** Stands in for /proc (test hook: MLCHECK_PROCFS_ROOT). */
  procfsRoot?: string;
}

/**
 * The device minor number of each GPU, from /proc/driver/nvidia/gpus/<pci address>/information
 * ("Device Minor: 2", "GPU UUID: GPU-..."). Slurm's GPU indices (SLURM_JOB_GPUS in a prolog) and a
 * device cgroup both name the device files /dev/nvidiaN, so this is how they become PCI addresses.
 */
export function readDeviceMinors(options: DeviceMinorsOptions = {}): DeviceMinors {
  const dir = path.join(options.procfsRoot ?? '/proc', 'driver', 'nvidia', 'gpus');
  let folders: string[];
  try {
    folders = readdirSync(dir);
  } catch (error) {
    return { entries: [], error: `cannot list ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  const entries: DeviceMinorEntry[] = [];
  for (const folder of folders.sort()) {
    const file = path.join(dir, folder, 'information');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return { entries: [], error: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
    }
    const minor = /^Device Minor:\s*(\d+)\s*$/m.exec(text)?.[1];
    if (minor === undefined) return { entries: [], error: `${file} has no "Device Minor:" line` };
    const uuid = /^GPU UUID:\s*(GPU-[0-9a-f-]+)\s*$/im.exec(text)?.[1] ?? null;
    const location = /^Bus Location:\s*(\S+)\s*$/m.exec(text)?.[1] ?? folder;
    entries.push({ minor: Number(minor), pciBusId: normalizePciBusId(location), uuid });
  }
  if (entries.length === 0) return { entries, error: `${dir} lists no GPU` };
  return { entries, error: null };
}
