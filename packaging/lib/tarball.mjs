// @ts-check
import path from 'node:path';
import { execAsync } from './exec.mjs';

/**
 * Options that make an archive of the same tree the same bytes: sorted names, root as owner, one
 * modification time (the commit's), no name or time in the gzip header.
 * @param {number} mtime seconds since the epoch
 */
export function reproducibleTarOptions(mtime) {
  return ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${mtime}`, '--format=gnu'];
}

/**
 * `<outDir>/mlcheck-<version>-linux-x64-glibc.tar.gz`, holding `mlcheck/<version>/...`, so that
 * `tar -xzf ... -C /cm/shared/apps` gives /cm/shared/apps/mlcheck/<version> and `-C /opt` gives
 * /opt/mlcheck/<version>, the packages' path.
 * @param {{ rootDir: string, version: string, outDir: string, mtime: number }} options rootDir holds mlcheck/<version>
 * @returns {Promise<string>} the tarball
 */
export async function buildTarball({ rootDir, version, outDir, mtime }) {
  const file = path.join(outDir, `mlcheck-${version}-linux-x64-glibc.tar.gz`);
  // The output file and tar's arguments reach bash as arguments, never inside the script.
  await execAsync('bash', ['-c', 'set -o pipefail; out=$1; shift; tar "$@" | gzip -6 -n > "$out"', 'bash', file, ...reproducibleTarOptions(mtime), '-C', rootDir, '-cf', '-', `mlcheck/${version}`]);
  return file;
}
