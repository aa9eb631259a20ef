/**
 * Finds a dataset's files, in order: --data-dir / MLCHECK_DATA_DIR, mlcheck's cache
 * ($XDG_CACHE_HOME/mlcheck), well-known system folders, the copies shipped in the package,
 * then (only when allowed) a download into the data dir or the cache. Every file is verified
 * by the sha256 of its decompressed content before its path or its bytes are handed out.
 */
import { chmodSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { DataError, RequirementError } from '../util/errors.js';
import { checkTrustedPath } from '../util/trusted-path.js';
import { createPrivateDirectory } from '../util/private-directory.js';
import { describeProxySettings, proxySettings } from '../util/proxy-env.js';
import type { ContentDigest } from './content-hash.js';
import { downloadFile } from './download.js';
import { acceptedNames, cacheRoot, dataDirRoot, searchLocations, type LocationOptions } from './locations.js';
import { builtinRegistry, type Registry } from './registry.js';
import type { DataAccess, DatasetFileManifest, DatasetManifest, DatasetProgress, DownloadOptions, SearchLocation, VerifiedFile } from './types.js';
import { createDigestCache, type DigestCache, type VerifiedBytes } from './verify-cache.js';

export interface DataAccessOptions extends LocationOptions {
  /** Allow downloading missing files (into the data dir when one is set, else the cache). Default false. */
  download?: boolean | DownloadOptions;
  onProgress?: (progress: DatasetProgress) => void;
  /** The dataset manifests; default: the package's datasets/*.json. */
  registry?: Registry;
}

export interface FoundCopy {
  path: string;
  location: SearchLocation;
  /** Set when hashed: 'ok', or 'mismatch' with the digest found, or 'unreadable' with the reason. */
  status?: 'ok' | 'mismatch' | 'unreadable';
  digest?: ContentDigest;
  problem?: string;
}

export interface FileReport {
  key: string;
  file: DatasetFileManifest;
  /** Every copy on disk, in lookup order; the first one is the one `files()` uses. */
  copies: FoundCopy[];
}

export interface DatasetReport {
  manifest: DatasetManifest;
  locations: SearchLocation[];
  files: FileReport[];
}

export interface DatasetAccess extends DataAccess {
  readonly registry: Registry;
  /** Every copy of every file in every location; hashes them (cached) unless `hash` is false. */
  inspect(datasetId: string, options?: { hash?: boolean; fresh?: boolean }): Promise<DatasetReport>;
  /**
   * Makes sure verified copies exist: in the data dir when one is set (copied from another
   * location, else downloaded), otherwise anywhere searched (else downloaded into the cache).
   */
  stage(datasetId: string): Promise<Record<string, string>>;
  /** The folder `stage` writes into for this dataset. */
  stagingDir(datasetId: string): string;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function matches(digest: ContentDigest, file: DatasetFileManifest): boolean {
  return digest.sha256 === file.sha256 && digest.size === file.size;
}

function mismatchError(manifest: DatasetManifest, key: string, file: DatasetFileManifest, copy: Pick<FoundCopy, 'path' | 'digest' | 'problem'>, fetchCommand: string): DataError {
  const digest = copy.digest;
  // The checksums go into the message itself: it is the line a run's table and verdict show.
  const checksums = digest ? `: sha256 ${digest.sha256} (${digest.size} bytes), the registry's ${file.sha256} (${file.size} bytes)` : '';
  return new DataError(`dataset ${manifest.id}: ${copy.path} (${key}) does not match the registry: wrong or corrupt content${checksums}`, {
    file: copy.path,
    expected: `decompressed content sha256 ${file.sha256}, ${file.size} bytes`,
    found: digest ? `sha256 ${digest.sha256}, ${digest.size} bytes` : (copy.problem ?? 'unreadable'),
    fix: [`delete ${copy.path} and stage it again: ${fetchCommand}`, `check all copies: mlcheck datasets verify ${manifest.id}`],
  });
}

function mirrorUrls(env: NodeJS.ProcessEnv, manifest: DatasetManifest, file: DatasetFileManifest): string[] {
  const mirror = env.MLCHECK_DATASET_MIRROR;
  if (!mirror) return [];
  const base = `${mirror.replace(/\/+$/, '')}/${encodeURIComponent(manifest.directory)}`;
  return [`${base}/${encodeURIComponent(file.name)}.gz`, `${base}/${encodeURIComponent(file.name)}`];
}

export function createDataAccess(options: DataAccessOptions = {}): DatasetAccess {
  const env = options.env ?? process.env;
  const registry = options.registry ?? builtinRegistry();
  const cache = cacheRoot(options);
  const digests: DigestCache = createDigestCache(path.join(cache.dir, 'verified.json'));
  const downloadOptions: DownloadOptions | undefined = options.download === true ? {} : options.download === false || options.download === undefined ? undefined : options.download;
  const resolved = new Map<string, Promise<Record<string, string>>>();
  const handedOut = new Map<string, Promise<Record<string, string>>>();
  let snapshotDir: string | undefined;
  const progress = (event: DatasetProgress): void => options.onProgress?.(event);

  const stagingDir = (manifest: DatasetManifest): string => path.join((dataDirRoot(options) ?? cache).dir, manifest.directory);
  const fetchCommand = (manifest: DatasetManifest): string => {
    const dataDir = dataDirRoot(options);
    return dataDir?.origin === '--data-dir' ? `mlcheck datasets fetch ${manifest.id} --data-dir ${dataDir.dir}` : `mlcheck datasets fetch ${manifest.id}`;
  };

  const copiesOf = (file: DatasetFileManifest, locations: SearchLocation[]): FoundCopy[] =>
    locations.flatMap((location) => acceptedNames(file).map((name) => ({ path: path.join(location.dir, name), location })).filter((copy) => isFile(copy.path)));

  const hashCopy = async (datasetId: string, key: string, copy: FoundCopy, file: DatasetFileManifest, fresh: boolean): Promise<FoundCopy> => {
    progress({ datasetId, fileKey: key, phase: 'verify', message: copy.path, totalBytes: file.size });
    try {
      const digest = await digests.digest(copy.path, { fresh });
      return { ...copy, digest, status: matches(digest, file) ? 'ok' : 'mismatch' };
    } catch (error) {
      return { ...copy, status: 'unreadable', problem: (error as Error).message };
    }
  };

  /** The first copy in lookup order, verified; throws DataError when that copy is wrong. */
  const firstVerified = async (manifest: DatasetManifest, key: string, file: DatasetFileManifest, locations: SearchLocation[]): Promise<string | undefined> => {
    const [first] = copiesOf(file, locations);
    if (!first) return undefined;
    const checked = await hashCopy(manifest.id, key, first, file, false);
    if (checked.status !== 'ok') throw mismatchError(manifest, key, file, checked, fetchCommand(manifest));
    return checked.path;
  };

  const missingError = (manifest: DatasetManifest, missing: [string, DatasetFileManifest][], locations: SearchLocation[], downloadProblem?: string): RequirementError => {
    const names = missing.map(([key, file]) => `${file.name} (${key})`);
    const tried = missing.map(([, file]) => `${file.name}[.gz]`).join(', ');
    const lines = [
      `dataset ${manifest.id} is not staged: missing ${names.join(', ')}`,
      '  looked in, in order:',
      ...locations.map((location) => `    ${location.dir}/ (${location.origin})`),
      `    for ${tried}`,
      downloadProblem ? `  download failed: ${downloadProblem}` : '  download: not attempted (offline by default; `mlcheck datasets fetch` downloads)',
    ];
    const proxies = describeProxySettings(proxySettings(env));
    const packages = Object.entries(manifest.systemPackages ?? {}).map(([system, name]) => `or on ${system}: apt-get install ${name}`);
    return new RequirementError(lines.join('\n'), {
      fix: [
        `${fetchCommand(manifest)}   (downloads and verifies; needs internet or MLCHECK_DATASET_MIRROR)`,
        `or copy ${missing.map(([, file]) => `${file.name}.gz`).join(', ')} (.gz or uncompressed) into ${stagingDir(manifest)}/`,
        ...packages,
        ...(downloadProblem ? [proxies ? `the download went through the environment's proxy (${proxies}): check it, or exempt the host with NO_PROXY` : 'behind a proxy: set HTTPS_PROXY (and NO_PROXY for hosts reached directly)'] : []),
      ],
    });
  };

  const urlsFor = (manifest: DatasetManifest, key: string, file: DatasetFileManifest): readonly string[] =>
    downloadOptions?.urls?.(manifest.id, key, file) ?? [...mirrorUrls(env, manifest, file), ...file.urls];

  const download = async (manifest: DatasetManifest, key: string, file: DatasetFileManifest): Promise<string> =>
    downloadFile({
      file,
      urls: urlsFor(manifest, key, file),
      targetDir: stagingDir(manifest),
      attempts: downloadOptions?.attempts,
      backoffMs: downloadOptions?.backoffMs,
      idleTimeoutMs: downloadOptions?.idleTimeoutMs,
      signal: downloadOptions?.signal,
      env,
      onEvent: (event) => progress({ datasetId: manifest.id, fileKey: key, ...event, totalBytes: event.totalBytes }),
    });

  /** The bytes of a copy found verified, read again from one open file and checked against the manifest. */
  const readVerified = async (manifest: DatasetManifest, key: string, file: string): Promise<VerifiedBytes> => {
    const entry = manifest.files[key]!;
    let read: VerifiedBytes;
    try {
      read = await digests.read(file);
    } catch (error) {
      throw mismatchError(manifest, key, entry, { path: file, problem: (error as Error).message }, fetchCommand(manifest));
    }
    if (!matches(read.digest, entry)) {
      throw mismatchError(manifest, key, entry, { path: file, digest: read.digest }, fetchCommand(manifest));
    }
    return read;
  };

  /**
   * The paths other programs read (a python kit, an example script): a verified file that a user
   * other than root or this one could change between the check and the read is handed out as a
   * private copy of the bytes that were verified.
   */
  const handOut = async (manifest: DatasetManifest, found: Record<string, string>): Promise<Record<string, string>> => {
    const paths: Record<string, string> = {};
    for (const [key, file] of Object.entries(found)) {
      if (checkTrustedPath(file).trusted) {
        paths[key] = file;
        continue;
      }
      const { bytes } = await readVerified(manifest, key, file);
      if (snapshotDir === undefined) {
        snapshotDir = createPrivateDirectory('mlcheck-data-');
        // Readable by a kernel another user runs, writable by this user alone.
        chmodSync(snapshotDir, 0o755);
      }
      const copy = path.join(snapshotDir, manifest.directory, path.basename(file));
      writeFileAtomic(copy, bytes);
      paths[key] = copy;
    }
    return paths;
  };

  const located = (datasetId: string): Promise<Record<string, string>> => {
    let pending = resolved.get(datasetId);
    if (!pending) {
      pending = resolve(datasetId);
      resolved.set(datasetId, pending);
      pending.catch(() => resolved.delete(datasetId));
    }
    return pending;
  };

  const resolve = async (datasetId: string): Promise<Record<string, string>> => {
    const manifest = registry.get(datasetId);
    const locations = searchLocations(manifest, options);
    const found: Record<string, string> = {};
    const missing: [string, DatasetFileManifest][] = [];
    for (const [key, file] of Object.entries(manifest.files)) {
      const filePath = await firstVerified(manifest, key, file, locations);
      if (filePath) found[key] = filePath;
      else missing.push([key, file]);
    }
    if (missing.length === 0) return found;
    if (!downloadOptions) throw missingError(manifest, missing, locations);
    for (const [key, file] of missing) {
      try {
        found[key] = await download(manifest, key, file);
      } catch (error) {
        if (error instanceof RequirementError) throw missingError(manifest, missing, locations, error.message);
        throw error;
      }
      progress({ datasetId, fileKey: key, phase: 'done', message: found[key] });
    }
    return found;
  };

  return {
    registry,
    files(datasetId) {
      let pending = handedOut.get(datasetId);
      if (!pending) {
        pending = located(datasetId).then((found) => handOut(registry.get(datasetId), found));
        handedOut.set(datasetId, pending);
        pending.catch(() => handedOut.delete(datasetId));
      }
      return pending;
    },

    async contents(datasetId) {
      const manifest = registry.get(datasetId);
      const found = await located(datasetId);
      const contents: Record<string, VerifiedFile> = {};
      for (const [key, file] of Object.entries(found)) contents[key] = { path: file, bytes: (await readVerified(manifest, key, file)).bytes };
      return contents;
    },

    async inspect(datasetId, inspectOptions = {}) {
      const manifest = registry.get(datasetId);
      const locations = searchLocations(manifest, options);
      const files: FileReport[] = [];
      for (const [key, file] of Object.entries(manifest.files)) {
        let copies = copiesOf(file, locations);
        if (inspectOptions.hash !== false) {
          const hashed: FoundCopy[] = [];
          for (const copy of copies) hashed.push(await hashCopy(datasetId, key, copy, file, inspectOptions.fresh === true));
          copies = hashed;
        }
        files.push({ key, file, copies });
      }
      return { manifest, locations, files };
    },

    stagingDir: (datasetId) => stagingDir(registry.get(datasetId)),

    async stage(datasetId) {
      const manifest = registry.get(datasetId);
      const target = stagingDir(manifest);
      const locations = searchLocations(manifest, options);
      const targetLocation = locations.find((location) => location.dir === target) ?? { kind: 'cache' as const, dir: target, origin: 'staging dir' };
      const staged: Record<string, string> = {};
      for (const [key, file] of Object.entries(manifest.files)) {
        const inTarget = await firstVerified(manifest, key, file, [targetLocation]);
        if (inTarget) {
          staged[key] = inTarget;
          continue;
        }
        const elsewhere = await firstVerified(manifest, key, file, locations.filter((location) => location.dir !== target)).catch(() => undefined);
        if (elsewhere && dataDirRoot(options) === undefined) {
          // Staging into the cache: a verified copy in a system folder or the package is as good, no need to duplicate it.
          staged[key] = elsewhere;
        } else if (elsewhere) {
          progress({ datasetId, fileKey: key, phase: 'copy', message: `${elsewhere} -> ${target}/` });
          const destination = path.join(target, path.basename(elsewhere));
          // The bytes that were verified, from one open file: never a second read of a path that may have changed.
          writeFileAtomic(destination, (await readVerified(manifest, key, elsewhere)).bytes);
          staged[key] = destination;
        } else {
          if (!downloadOptions) throw missingError(manifest, [[key, file]], locations);
          try {
            staged[key] = await download(manifest, key, file);
          } catch (error) {
            if (error instanceof RequirementError) throw missingError(manifest, [[key, file]], locations, error.message);
            rmSync(path.join(target, `${file.name}.part`), { force: true });
            throw error;
          }
        }
        progress({ datasetId, fileKey: key, phase: 'done', message: staged[key] });
      }
      return staged;
    },
  };
}
