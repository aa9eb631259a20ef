// @ts-check
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exec, execAsync } from './exec.mjs';
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
 * Stages the .deb's root under `<workDir>/deb-root`: the tree under /opt/mlcheck/<version> (hard
 * links, not a copy; made before anything reads the tree, since a new link changes a file's
 * ctime and tar would report the file as changed), /etc/mlcheck/mlcheck.yaml as a conffile
 * (dpkg keeps the admin's edits on upgrade and on `dpkg -r`; only `--purge` removes it), the
 * /usr/bin symlinks, the systemd units, and DEBIAN/. No maintainer scripts: nothing is enabled
 * or started.
 * @param {{ treeDir: string, version: string, workDir: string, maintainer: string, description: string }} options
 * @returns {string} the staged root
 */
export function stageDeb({ treeDir, version, workDir, maintainer, description }) {
  const rootDir = path.join(workDir, 'deb-root');
  const prefixInRoot = path.join(rootDir, INSTALL.prefix(version));
  mkdirSync(path.dirname(prefixInRoot), { recursive: true });
  exec('cp', ['-al', treeDir, prefixInRoot]);
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
  return rootDir;
}

/**
 * `<outDir>/mlcheck_<version>-1_amd64.deb` from the staged root (gzip: every dpkg reads it).
 * @param {{ rootDir: string, version: string, outDir: string, mtime: number }} options
 * @returns {Promise<string>} the .deb
 */
export async function packDeb({ rootDir, version, outDir, mtime }) {
  const file = path.join(outDir, `mlcheck_${packageVersion(version)}-1_amd64.deb`);
  await execAsync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', rootDir, file], { env: { ...process.env, SOURCE_DATE_EPOCH: String(mtime) } });
  return file;
}
