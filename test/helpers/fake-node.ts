/**
 * Stand-ins for the parts of a node the probe reads besides the driver: a /sys tree with PCI
 * devices (MLCHECK_SYSFS_ROOT), a /proc with the nvidia module's version file, its GPUs' device
 * minors and process names (MLCHECK_PROCFS_ROOT), the /dev/nvidiaN files a job's device cgroup
 * lets it open (MLCHECK_DEV_ROOT), a kernel log standing in for /dev/kmsg (MLCHECK_KMSG), and a
 * dpkg database (dpkg-query's own DPKG_ADMINDIR).
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FakePciDevice {
  address: string;
  vendor?: string;
  pciClass?: string;
  device?: string;
  /** The kernel driver bound to it; null: none. */
  driver?: string | null;
}

/** A sysfs root whose bus/pci/devices holds these devices (NVIDIA 3D controllers unless said otherwise). */
export function fakeSysfs(devices: readonly FakePciDevice[]): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-sysfs-'));
  const devicesDir = path.join(root, 'bus', 'pci', 'devices');
  mkdirSync(devicesDir, { recursive: true });
  for (const device of devices) {
    const dir = path.join(devicesDir, device.address);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'vendor'), `${device.vendor ?? '0x10de'}\n`);
    writeFileSync(path.join(dir, 'class'), `${device.pciClass ?? '0x030200'}\n`);
    writeFileSync(path.join(dir, 'device'), `${device.device ?? '0x20b0'}\n`);
    const driver = device.driver === undefined ? 'nvidia' : device.driver;
    if (driver !== null) symlinkSync(path.join('..', '..', '..', 'bus', 'pci', 'drivers', driver), path.join(dir, 'driver'));
  }
  return root;
}

/** `count` NVIDIA GPUs at 0000:07:00.0, 0000:08:00.0, ... (the fake driver's "modern" scenario uses 07 and 08). */
export function nvidiaGpusFrom(firstBus: number, count: number): FakePciDevice[] {
  return Array.from({ length: count }, (_, i) => ({ address: `0000:${(firstBus + i).toString(16).padStart(2, '0')}:00.0` }));
}

/** NVIDIA GPUs at these PCI buses (the fake driver's "h100x8" scenarios use 18, 2a, 3a, 5d, 9a, ab, ba, db). */
export function nvidiaGpusOnBuses(buses: readonly number[]): FakePciDevice[] {
  return buses.map((bus) => ({ address: `0000:${bus.toString(16).padStart(2, '0')}:00.0`, device: '0x2330' }));
}

/** The fixture kernel logs of test/fixtures/kernel-log (kmsg or dmesg format), for MLCHECK_KMSG. */
export const kernelLogFixture = (name: 'xids-dmesg.log' | 'xids-kmsg.log' | 'no-xid.log'): string =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kernel-log', name);

/** A kernel log file with these lines (dmesg format unless they start with a kmsg header), for MLCHECK_KMSG. */
export function fakeKernelLog(lines: readonly string[]): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-kmsg-')), 'kmsg');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** One GPU as the nvidia kernel module lists it in /proc/driver/nvidia/gpus/<address>/information. */
export interface FakeModuleGpu {
  address: string;
  /** Its device file is /dev/nvidia<minor>. */
  minor: number;
  uuid?: string;
  model?: string;
}

export interface FakeProcfsOptions {
  /** The GPUs the module drives (with a version only), each with its device minor number. */
  gpus?: readonly FakeModuleGpu[];
  /** Processes by PID, each with its /proc/<pid>/comm (the kernel cuts it to 15 characters). */
  processes?: Readonly<Record<number, string>>;
}

/** A procfs root; with a version, the nvidia kernel module counts as loaded. */
export function fakeProcfs(nvidiaVersion: string | null, options: FakeProcfsOptions = {}): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-procfs-'));
  if (nvidiaVersion !== null) {
    mkdirSync(path.join(root, 'driver', 'nvidia'), { recursive: true });
    writeFileSync(path.join(root, 'driver', 'nvidia', 'version'), `NVRM version: NVIDIA UNIX x86_64 Kernel Module  ${nvidiaVersion}  Tue Mar  5 22:23:56 UTC 2024\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n`);
    for (const gpu of options.gpus ?? []) {
      const dir = path.join(root, 'driver', 'nvidia', 'gpus', gpu.address);
      mkdirSync(dir, { recursive: true });
      const lines = [
        `Model: \t\t ${gpu.model ?? 'NVIDIA A100-SXM4-40GB'}`,
        'IRQ:   \t\t 92',
        `GPU UUID: \t ${gpu.uuid ?? 'GPU-????????-????-????-????-????????????'}`,
        'Video BIOS: \t 92.00.25.00.08',
        'Bus Type: \t PCIe',
        'DMA Size: \t 47 bits',
        'DMA Mask: \t 0x7fffffffffff',
        `Bus Location: \t ${gpu.address}`,
        `Device Minor: \t ${gpu.minor}`,
        'GPU Excluded:\t No',
      ];
      writeFileSync(path.join(dir, 'information'), `${lines.join('\n')}\n`);
    }
  }
  for (const [pid, comm] of Object.entries(options.processes ?? {})) {
    mkdirSync(path.join(root, pid));
    writeFileSync(path.join(root, pid, 'comm'), `${comm.slice(0, 15)}\n`);
  }
  return root;
}

/**
 * A /dev (for MLCHECK_DEV_ROOT) with /dev/nvidia<minor> for each minor: those in `denied` refuse
 * to open, as a job's device cgroup makes them refuse (EPERM). Root is refused no ordinary file,
 * so a denied one is a link to a write-only sysctl file, which refuses a read open even to root
 * (EACCES); the probe opens them through its real opener.
 */
export function fakeDeviceFiles(minors: readonly number[], denied: readonly number[]): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-dev-'));
  for (const name of ['nvidiactl', 'nvidia-uvm']) writeFileSync(path.join(root, name), '');
  for (const minor of minors) {
    const file = path.join(root, `nvidia${minor}`);
    if (denied.includes(minor)) symlinkSync(WRITE_ONLY_SYSCTL, file);
    else writeFileSync(file, '');
  }
  return root;
}

const WRITE_ONLY_SYSCTL = '/proc/sys/vm/drop_caches';

/** A dpkg database (for DPKG_ADMINDIR) with these packages; `installed: false` leaves only config files. */
export function fakeDpkgDatabase(packages: ReadonlyArray<{ name: string; installed?: boolean }>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-dpkg-'));
  mkdirSync(path.join(root, 'info'));
  mkdirSync(path.join(root, 'updates'));
  const stanzas = packages.map((p) =>
    [
      `Package: ${p.name}`,
      `Status: ${p.installed === false ? 'deinstall ok config-files' : 'install ok installed'}`,
      'Priority: optional',
      'Section: science',
      'Installed-Size: 1',
      'Maintainer: mlcheck tests <tests@example.invalid>',
      'Architecture: amd64',
      'Version: 1.0-1',
      'Description: stand-in package for mlcheck tests',
    ].join('\n'),
  );
  writeFileSync(path.join(root, 'status'), `${stanzas.join('\n\n')}\n`);
  return root;
}
