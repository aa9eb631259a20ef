/**
 * Puts verified provider libraries into onnxruntime-node's bin folder: each is copied to a new
 * file of an unpredictable name there (O_EXCL, O_NOFOLLOW), synced, and only when all are in
 * place renamed over the old ones. A record of what was installed (package, sha256 of each
 * file) lets a later `setup onnx-cuda` tell these files from ones that came from elsewhere.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, existsSync, lstatSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { UsageError } from '../../util/errors.js';

/** In the bin folder, beside the libraries it describes. */
export const INSTALL_RECORD = '.mlcheck-onnx-cuda.json';

interface InstallRecord {
  package: string;
  url: string;
  sha256: string;
  files: Record<string, string>;
}

export interface InstallProviderFilesOptions {
  /** File name in binDir -> the verified file to install (in a private folder). */
  files: Readonly<Record<string, string>>;
  binDir: string;
  /** The package the files came from. */
  from: { package: string; url: string; sha256: string };
}

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * The bin folder is where root loads libraries from: it must be a real folder of root's or this
 * user's that nobody else can write, or a planted library would be loaded anyway.
 */
function assertInstallDirectory(binDir: string): void {
  let problem: string | null = null;
  try {
    const stats = lstatSync(binDir);
    const uid = process.getuid?.();
    if (!stats.isDirectory()) problem = 'it is not a directory (a symbolic link?)';
    else if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) problem = `it belongs to uid ${stats.uid}, neither root nor this user (uid ${uid})`;
    else if ((stats.mode & 0o022) !== 0) problem = `its mode ${(stats.mode & 0o777).toString(8)} lets other users write to it`;
  } catch (error) {
    problem = (error as Error).message;
  }
  if (problem !== null) {
    throw new UsageError(`refusing to install provider libraries into ${binDir}: ${problem}`, { file: binDir, fix: 'reinstall mlcheck (npm ci) as the user who runs it, so that only that user and root can write node_modules' });
  }
}

async function copyNew(source: string, target: string): Promise<string> {
  const hash = createHash('sha256');
  const output = await open(target, CREATE_NEW, 0o755);
  try {
    for await (const chunk of createReadStream(source)) {
      hash.update(chunk as Buffer);
      await output.write(chunk as Buffer);
    }
    await output.sync();
  } finally {
    await output.close();
  }
  return hash.digest('hex');
}

/** Installs all files or none (a failure before the renames leaves the old files as they were). Returns the installed paths. */
export async function installProviderFiles(options: InstallProviderFilesOptions): Promise<string[]> {
  assertInstallDirectory(options.binDir);
  const staged: { temporary: string; target: string }[] = [];
  const record: InstallRecord = { ...options.from, files: {} };
  try {
    for (const [name, source] of Object.entries(options.files)) {
      const target = path.join(options.binDir, name);
      const temporary = path.join(options.binDir, `.${name}.${randomBytes(12).toString('hex')}.tmp`);
      staged.push({ temporary, target });
      record.files[name] = await copyNew(source, temporary);
    }
    for (const { temporary, target } of staged) renameSync(temporary, target);
  } finally {
    for (const { temporary } of staged) rmSync(temporary, { force: true });
  }
  writeFileAtomic(path.join(options.binDir, INSTALL_RECORD), `${JSON.stringify(record, null, 2)}\n`);
  return staged.map((s) => s.target);
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export type InstalledState =
  | { state: 'installed'; package: string }
  | { state: 'missing'; files: string[] }
  /** Present, but not (or no longer) what a verified setup installed: another installer's, changed since, or writable by others. */
  | { state: 'unverified'; files: string[] };

/** Whether binDir holds `names` exactly as the last verified setup left them. */
export async function installedProviderState(binDir: string, sha256: string, names: readonly string[]): Promise<InstalledState> {
  const missing = names.filter((name) => !existsSync(path.join(binDir, name)));
  if (missing.length > 0) return { state: 'missing', files: missing };
  let record: InstallRecord | null = null;
  try {
    record = JSON.parse(readFileSync(path.join(binDir, INSTALL_RECORD), 'utf8')) as InstallRecord;
  } catch {
    record = null;
  }
  const unverified: string[] = [];
  for (const name of names) {
    const stats = lstatSync(path.join(binDir, name));
    // A library others can write (onnxruntime-node's installer leaves them mode 0666) may change after any check.
    const writableByOthers = (stats.mode & 0o022) !== 0;
    if (record === null || record.sha256 !== sha256 || !stats.isFile() || writableByOthers || record.files[name] !== (await sha256Of(path.join(binDir, name)))) unverified.push(name);
  }
  return unverified.length === 0 && record !== null ? { state: 'installed', package: record.package } : { state: 'unverified', files: unverified };
}
