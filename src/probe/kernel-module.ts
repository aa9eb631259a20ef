import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface KernelModuleState {
  /** True when the nvidia kernel module is loaded (it creates /proc/driver/nvidia/version). */
  loaded: boolean;
  /** The module's version, e.g. "550.54.15"; null when not loaded or not parsed. */
  version: string | null;
  /** Why it is taken as not loaded, naming the file read. */
  error: string | null;
}

export interface KernelModuleOptions {
  /** Stands in for /proc (test hook: MLCHECK_PROCFS_ROOT). */
  procfsRoot?: string;
}

/**
 * Reads the nvidia kernel module's own report, the second of the three independent views of a
 * GPU (PCI bus, kernel module, driver API): without the module, libcuda cannot reach any GPU.
 */
export function readNvidiaKernelModule(options: KernelModuleOptions = {}): KernelModuleState {
  const file = path.join(options.procfsRoot ?? '/proc', 'driver', 'nvidia', 'version');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { loaded: false, version: null, error: code === 'ENOENT' ? `${file} not present` : `${file}: ${code}` };
  }
  // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024"
  const version = /Kernel Module(?: for [\w-]+)?\s+(\d+(?:\.\d+)+)/.exec(text)?.[1] ?? null;
  return { loaded: true, version, error: null };
}
