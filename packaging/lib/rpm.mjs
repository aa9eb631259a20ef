// @ts-check
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { exec } from './exec.mjs';
import { packageVersion } from './deb.mjs';
import { writeSystemFiles } from './system-files.mjs';

/**
 * `<outDir>/mlcheck-<version>-1.x86_64.rpm` with rpmbuild (Debian's `rpm` package has it): the
 * same files as the .deb, /etc/mlcheck/mlcheck.yaml as %config(noreplace) (an upgrade keeps the
 * admin's edits, and a changed default lands beside it as .rpmnew). packaging/rpm/mlcheck.spec.
 * @param {{ repoRoot: string, treeDir: string, version: string, outDir: string, workDir: string, mtime: number }} options
 * @returns {string} the .rpm
 */
export function buildRpm({ repoRoot, treeDir, version, outDir, workDir, mtime }) {
  const topDir = path.join(workDir, 'rpmbuild');
  const systemDir = path.join(workDir, 'rpm-system');
  mkdirSync(topDir, { recursive: true });
  writeSystemFiles({ rootDir: systemDir, treeDir, version });
  try {
    exec(
      'rpmbuild',
      [
        '-bb',
        '--target', 'x86_64',
        '--define', `_topdir ${topDir}`,
        '--define', `mlcheck_version ${version}`,
        '--define', `mlcheck_rpm_version ${packageVersion(version)}`,
        '--define', `mlcheck_tree ${treeDir}`,
        '--define', `mlcheck_system ${systemDir}`,
        '--define', `mlcheck_description ${path.join(repoRoot, 'packaging', 'description.txt')}`,
        '--define', 'use_source_date_epoch_as_buildtime 1',
        path.join(repoRoot, 'packaging', 'rpm', 'mlcheck.spec'),
      ],
      { env: { ...process.env, SOURCE_DATE_EPOCH: String(mtime) } },
    );
    const built = path.join(topDir, 'RPMS', 'x86_64');
    const name = readdirSync(built).find((file) => file.endsWith('.rpm'));
    if (name === undefined) throw new Error(`rpmbuild wrote no .rpm into ${built}`);
    const file = path.join(outDir, name);
    renameSync(path.join(built, name), file);
    return file;
  } finally {
    rmSync(topDir, { recursive: true, force: true });
    rmSync(systemDir, { recursive: true, force: true });
  }
}
