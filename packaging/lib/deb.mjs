// @ts-check
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exec } from './exec.mjs';
import { treeBytes } from './prune.mjs';
import { INSTALL, writeSystemFiles } from './system-files.mjs';

/** npm's 1.2.3-rc.1 as Debian's 1.2.3~rc.1, which sorts before 1.2.3. @param {string} version */
export const packageVersion = (version) => version.replace('-', '~');

/** md5sums lines (dpkg --verify reads them) for every file under rootDir but DEBIAN/. @param {string} rootDir @param {string} [dir] @returns {string[]} */
function md5sums(rootDir, dir = rootDir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      const relative = path.relative(rootDir, full);
      if (relative === 'DEBIAN') return [];
      if (entry.isDirectory()) return md5sums(rootDir, full);
      if (!entry.isFile()) return [];
      return [`${createHash('md5').update(readFileSync(full)).digest('hex')}  ${relative}`];
    });
}

/**
 * `<outDir>/mlcheck_<version>-1_amd64.deb`: the tree under /opt/mlcheck/<version>,
 * /etc/mlcheck/mlcheck.yaml as a conffile (dpkg keeps the admin's edits on upgrade and on
 * `dpkg -r`; only `--purge` removes it), the /usr/bin symlinks and the systemd units. No
 * maintainer scripts: nothing is enabled or started.
 * @param {{ treeDir: string, version: string, outDir: string, workDir: string, maintainer: string, description: string, mtime: number }} options
 * @returns {string} the .deb
 */
export function buildDeb({ treeDir, version, outDir, workDir, maintainer, description, mtime }) {
  const rootDir = path.join(workDir, 'deb-root');
  const prefixInRoot = path.join(rootDir, INSTALL.prefix(version));
  mkdirSync(path.dirname(prefixInRoot), { recursive: true });
  // The tree moves in and back out: one copy of a few hundred MB on disk, not two.
  renameSync(treeDir, prefixInRoot);
  try {
    writeSystemFiles({ rootDir, treeDir: prefixInRoot, version });
    const debian = path.join(rootDir, 'DEBIAN');
    mkdirSync(debian);
    const [summary, ...rest] = description.split('\n');
    writeFileSync(
      path.join(debian, 'control'),
      [
        'Package: mlcheck',
        `Version: ${packageVersion(version)}-1`,
        'Architecture: amd64',
        `Maintainer: ${maintainer}`,
        `Installed-Size: ${Math.ceil(treeBytes(rootDir) / 1024)}`,
        // The bundled Node.js and ONNX Runtime need glibc 2.28; the probe addon, ONNX Runtime and sharp need libstdc++.
        'Depends: libc6 (>= 2.28), libstdc++6',
        'Section: admin',
        'Priority: optional',
        `Description: ${summary}`,
        ...rest.map((line) => (line.trim() === '' ? ' .' : ` ${line}`)),
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(debian, 'conffiles'), `${INSTALL.config}\n`);
    writeFileSync(path.join(debian, 'md5sums'), `${md5sums(rootDir).join('\n')}\n`);
    const file = path.join(outDir, `mlcheck_${packageVersion(version)}-1_amd64.deb`);
    exec('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', rootDir, file], { env: { ...process.env, SOURCE_DATE_EPOCH: String(mtime) } });
    return file;
  } finally {
    renameSync(prefixInRoot, treeDir);
    rmSync(rootDir, { recursive: true, force: true });
  }
}
