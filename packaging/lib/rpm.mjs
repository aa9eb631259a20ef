// @ts-check
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { exec, execAsync } from './exec.mjs';
import { packageVersion } from './deb.mjs';
import { writeSystemFiles } from './system-files.mjs';

/**
 * Stages what the .rpm's %install moves into its build root: the tree as hard links (made before
 * anything reads the tree; see stageDeb) and the files outside it.
 * @param {{ treeDir: string, version: string, workDir: string }} options
 * @returns {{ treeCopy: string, systemDir: string }}
 */
export function stageRpm({ treeDir, version, workDir }) {
  const treeCopy = path.join(workDir, 'rpm-tree', version);
  const systemDir = path.join(workDir, 'rpm-system');
  mkdirSync(path.dirname(treeCopy), { recursive: true });
  exec('cp', ['-al', treeDir, treeCopy]);
  writeSystemFiles({ rootDir: systemDir, treeDir, version });
  return { treeCopy, systemDir };
}

/**
 * `<outDir>/mlcheck-<version>-1.x86_64.rpm` with rpmbuild (Debian's `rpm` package has it): the
 * same files as the .deb, /etc/mlcheck/mlcheck.yaml as %config(noreplace) (an upgrade keeps the
 * admin's edits, and a changed default lands beside it as .rpmnew). packaging/rpm/mlcheck.spec.
 * @param {{ repoRoot: string, staged: { treeCopy: string, systemDir: string }, version: string, outDir: string, workDir: string, mtime: number }} options
 * @returns {Promise<string>} the .rpm
 */
export async function packRpm({ repoRoot, staged, version, outDir, workDir, mtime }) {
  const topDir = path.join(workDir, 'rpmbuild');
  mkdirSync(topDir, { recursive: true });
  await execAsync(
    'rpmbuild',
    [
      '-bb',
      '--target', 'x86_64',
      '--define', `_topdir ${topDir}`,
      '--define', `mlcheck_version ${version}`,
      '--define', `mlcheck_rpm_version ${packageVersion(version)}`,
      '--define', `mlcheck_tree ${staged.treeCopy}`,
      '--define', `mlcheck_system ${staged.systemDir}`,
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
}
