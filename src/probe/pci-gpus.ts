import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { normalizePciBusId } from './pci-address.js';

/** An NVIDIA display or 3D controller as the kernel's PCI view lists it, whatever its driver. */
export interface PciGpu {
  /** Normalised PCI address, e.g. "0000:3b:00.0". */
  address: string;
  /** PCI device id, e.g. "0x20b0". */
  deviceId: string;
  /** PCI class, e.g. "0x030200" (3D controller). */
  pciClass: string;
  /** The kernel driver bound to it (`nvidia`, `nouveau`, `vfio-pci`), or null when none is. */
  boundDriver: string | null;
}

export interface PciGpuScan {
  devices: PciGpu[];
  /** Null when the PCI bus could be read; otherwise why not (then devices is empty and means nothing). */
  error: string | null;
}

export interface PciScanOptions {
  /** Stands in for /sys (test hook: MLCHECK_SYSFS_ROOT). */
  sysfsRoot?: string;
}

const NVIDIA_VENDOR = '0x10de';
/** Display controller class 0x03: VGA-compatible (0x0300xx) and 3D controller (0x0302xx). */
const GPU_CLASS = /^0x030[02]/;

/**
 * Lists NVIDIA GPUs from /sys/bus/pci/devices. This is independent of the NVIDIA driver: a GPU
 * whose module is not loaded, whose libcuda.so.1 is missing or whose cuInit fails is still here,
 * so a node with GPUs is never mistaken for a CPU node.
 */
export function scanPciGpus(options: PciScanOptions = {}): PciGpuScan {
  const devicesDir = path.join(options.sysfsRoot ?? '/sys', 'bus', 'pci', 'devices');
  let entries: string[];
  try {
    entries = readdirSync(devicesDir);
  } catch (error) {
    return { devices: [], error: `cannot list ${devicesDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  const devices: PciGpu[] = [];
  for (const entry of entries.sort()) {
    const dir = path.join(devicesDir, entry);
    const vendor = readAttribute(dir, 'vendor');
    const pciClass = readAttribute(dir, 'class');
    if (vendor !== NVIDIA_VENDOR || pciClass === null || !GPU_CLASS.test(pciClass)) continue;
    devices.push({ address: normalizePciBusId(entry), deviceId: readAttribute(dir, 'device') ?? 'unknown', pciClass, boundDriver: boundDriver(dir) });
  }
  return { devices, error: null };
}

function readAttribute(dir: string, name: string): string | null {
  try {
    return readFileSync(path.join(dir, name), 'utf8').trim().toLowerCase();
  } catch {
    return null;
  }
}

function boundDriver(dir: string): string | null {
  try {
    return path.basename(readlinkSync(path.join(dir, 'driver')));
  } catch {
    return null;
  }
}
