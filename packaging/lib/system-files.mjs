// @ts-check
import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** Where the packages put things (docs/install.md, "Packages"). */
export const INSTALL = {
  /** The tree, one folder per version, so that a rollback is installing the older package. */
  prefix: (/** @type {string} */ version) => `/opt/mlcheck/${version}`,
  config: '/etc/mlcheck/mlcheck.yaml',
  /** Stable paths across versions: HealthCheckProgram=/usr/bin/mlcheck-slurm-check survives an upgrade. */
  commands: ['/usr/bin/mlcheck', '/usr/bin/mlcheck-slurm-check'],
  units: ['/usr/lib/systemd/system/mlcheck.service', '/usr/lib/systemd/system/mlcheck.timer'],
};

/**
 * The files the packages install outside the tree, written under `rootDir` (a package's staging
 * root): the configuration file, /usr/bin symlinks into the tree (relative, so that they also
 * resolve inside an `rpm --root` or a chroot), and the systemd units from contrib/ (not enabled).
 * @param {{ rootDir: string, treeDir: string, version: string }} options treeDir: the built tree
 */
export function writeSystemFiles({ rootDir, treeDir, version }) {
  const configFile = path.join(rootDir, INSTALL.config);
  mkdirSync(path.dirname(configFile), { recursive: true });
  copyFileSync(path.join(treeDir, 'etc', 'mlcheck.yaml.example'), configFile);
  chmodSync(configFile, 0o644);
  for (const command of INSTALL.commands) {
    const link = path.join(rootDir, command);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.relative(path.dirname(command), path.join(INSTALL.prefix(version), 'bin', path.basename(command))), link);
  }
  for (const unit of INSTALL.units) {
    const file = path.join(rootDir, unit);
    mkdirSync(path.dirname(file), { recursive: true });
    copyFileSync(path.join(treeDir, 'contrib', 'systemd', path.basename(unit)), file);
    chmodSync(file, 0o644);
  }
}
