import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ensureDirectory } from '../util/ensure-directory.js';
import { UsageError } from '../util/errors.js';
import { untrustedReason } from '../util/trusted-path.js';

export interface SweepDirectoryOptions {
  /** --out: DIR, shared by the nodes; each job writes DIR/<node>/. */
  out: string;
  nodes: readonly string[];
  /** The caller's uid (default process.getuid()); DIR must belong to it or to root. */
  uid?: number;
}

/** What a sweep writes in DIR/<node>/ and what an earlier sweep may have left there. */
export const JOB_SCRIPT = 'mlcheck-job.sh';
export const REPORT_FILE = 'report.json';
const JOB_OUTPUT = /^slurm-\d+\.out$/;

/**
 * Makes DIR and DIR/<node>/ fit for a sweep that root may run: DIR (and each DIR/<node>/) must
 * belong to the caller or root and be writable by nobody else, so that no other user can plant a
 * link or a report there; then the job scripts, reports and job logs of an earlier sweep are
 * removed, so that nothing of it can count as this sweep's. Throws a UsageError (exit 2) with
 * the fix before anything is written into a directory it refuses.
 */
export function prepareSweepDirectory(options: SweepDirectoryOptions): void {
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const out = path.resolve(options.out);
  for (const node of options.nodes) {
    if (node === '' || node === '.' || node === '..' || node.includes('/')) throw new UsageError(`cannot use the node name "${node}" as a folder of ${out}`, { fix: 'name the nodes as Slurm does (sinfo -N)' });
  }
  let linkOrDir: Stats | null = null;
  try {
    linkOrDir = lstatSync(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (linkOrDir === null) {
    ensureDirectory(path.dirname(out));
    mkdirSync(out, { mode: 0o755 });
  }
  else if (linkOrDir.isSymbolicLink()) assertTrusted(out, linkOrDir, uid, 'the symbolic link');
  assertTrusted(out, statSync(out), uid, 'the directory');

  for (const node of options.nodes) {
    const dir = path.join(out, node);
    let stats: Stats | null = null;
    try {
      stats = lstatSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (stats === null) {
      mkdirSync(dir, { mode: 0o755 });
      continue;
    }
    if (!stats.isDirectory()) throw new UsageError(`${dir} is not a directory (${stats.isSymbolicLink() ? 'a symbolic link' : 'a file'}): a sweep writes its node's files there`, { file: dir, fix: `remove it (rm ${dir}) and sweep again` });
    assertTrusted(dir, stats, uid, 'the directory');
    for (const entry of readdirSync(dir)) {
      if (entry === JOB_SCRIPT || entry === REPORT_FILE || JOB_OUTPUT.test(entry)) rmSync(path.join(dir, entry), { force: true, recursive: true });
    }
  }
}

/**
 * Writes the job script as a new file: O_EXCL and O_NOFOLLOW, so that nothing planted at its
 * path (a link to a file root would then overwrite) is ever written through.
 */
export function createJobScript(file: string, text: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o755);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function assertTrusted(file: string, stats: Stats, uid: number, what: string): void {
  const problem = untrustedReason(stats, `${what} ${file}`, { trustedUids: [uid] });
  if (problem === undefined) return;
  const foreign = stats.uid !== uid && stats.uid !== 0;
  throw new UsageError(`refusing --out ${file}: ${problem}, so another user could plant job scripts or reports there`, {
    file,
    fix: [
      foreign ? `chown $(id -un) ${file}   (as root; or ask its owner)` : `chmod go-w ${file}`,
      'or give --out a new directory that only you can write, e.g. mkdir -m 755 /shared/mlcheck/sweep-$(date +%F)',
    ],
  });
}
