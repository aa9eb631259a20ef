/**
 * Downloads one dataset file: each URL in order (canonical first, then mirrors), retries with
 * exponential backoff, resumes an interrupted transfer with an HTTP Range request into a
 * `.part` file, and verifies the decompressed content before the atomic rename into place.
 * Requests go through the environment's proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
 */
import { constants, lstatSync, renameSync, rmSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fetch, type Dispatcher } from 'undici';
import { CREATE_NEW, writeFileAtomic } from '../util/atomic-write.js';
import { ensureDirectory } from '../util/ensure-directory.js';
import { DataError, MlcheckError, RequirementError } from '../util/errors.js';
import { describeProxySettings, proxySettings } from '../util/proxy-env.js';
import { replacementMode } from '../util/replacement-mode.js';
import { hashOpenFile, type ContentDigest } from './content-hash.js';
import { proxyDispatcher } from './proxy-dispatcher.js';
import type { DatasetFileManifest } from './types.js';

export interface DownloadEvent {
  phase: 'download' | 'retry' | 'verify';
  url: string;
  attempt: number;
  bytes?: number;
  totalBytes?: number;
  message?: string;
}

export interface DownloadFileOptions {
  file: DatasetFileManifest;
  urls: readonly string[];
  /** Folder the verified file lands in (as `<name>` or `<name>.gz`, by its content). */
  targetDir: string;
  attempts?: number;
  backoffMs?: number;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Where the proxy settings are read (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A failure that retrying the same URL cannot fix (404, wrong content, unknown host). */
class PermanentFailure extends Error {}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : undefined;
  return code ? `${error.message} (${code})` : error.message;
}

function isUnknownHost(error: unknown): boolean {
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  return cause instanceof Error && (cause as NodeJS.ErrnoException).code === 'ENOTFOUND';
}

interface Transfer {
  url: string;
  partFile: string;
  metaFile: string;
  attempt: number;
  idleTimeoutMs: number;
  dispatcher: Dispatcher;
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
}

const READ_OWN = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const APPEND_OWN = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** A regular file of this user with no other name: what this download wrote, not something planted. */
const isOwnFile = (stats: { isFile(): boolean; uid: number; nlink: number }): boolean => stats.isFile() && stats.uid === process.getuid?.() && stats.nlink === 1;

/** The URL an earlier transfer recorded in .part.json, believed only from a file of this user (never read through a link). */
async function recordedUrl(metaFile: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(metaFile, READ_OWN);
  } catch {
    return undefined;
  }
  try {
    if (!isOwnFile(await handle.stat())) return undefined;
    const url = (JSON.parse(await handle.readFile('utf8')) as { url?: unknown }).url;
    return typeof url === 'string' ? url : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * The .part file to write into and the bytes of it to keep. An earlier .part is resumed only
 * when it is a regular file of this user (opened with O_NOFOLLOW, then fstat); anything else
 * under that name (a link someone planted, a FIFO, another user's file) is removed, never
 * written through, and a new file is created with O_EXCL and O_NOFOLLOW.
 */
async function openPart(partFile: string, resume: boolean): Promise<{ handle: FileHandle; offset: number }> {
  if (resume) {
    try {
      const handle = await open(partFile, APPEND_OWN);
      const stats = await handle.stat();
      if (isOwnFile(stats)) return { handle, offset: stats.size };
      await handle.close();
    } catch {
      // A link (ELOOP), a FIFO without a reader (ENXIO) or nothing at all: start afresh.
    }
  }
  await rm(partFile, { force: true });
  return { handle: await open(partFile, CREATE_NEW, 0o644), offset: 0 };
}

/** One HTTP request into the .part file; resumes when the .part came from the same URL. */
async function transfer(t: Transfer): Promise<void> {
  const part = await openPart(t.partFile, (await recordedUrl(t.metaFile)) === t.url);
  try {
    // .part.json is this download's own name: whatever else is there (another user's file) goes.
    await rm(t.metaFile, { force: true });
    writeFileAtomic(t.metaFile, JSON.stringify({ url: t.url }));
    await request(t, part.handle, part.offset);
  } finally {
    await part.handle.close();
  }
}

async function request(t: Transfer, handle: FileHandle, resumeAt: number): Promise<void> {
  let offset = resumeAt;

  const controller = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(new Error(`no data for ${t.idleTimeoutMs} ms`)), t.idleTimeoutMs);
  };
  const onAbort = (): void => controller.abort(t.signal?.reason);
  t.signal?.addEventListener('abort', onAbort, { once: true });
  touch();
  try {
    const response = await fetch(t.url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal: controller.signal, redirect: 'follow', dispatcher: t.dispatcher });
    if (response.status === 416) {
      await handle.truncate(0);
      throw new Error('HTTP 416 (the partial download does not fit the file); restarting');
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel().catch(() => undefined);
      const retriable = response.status >= 500 || response.status === 408 || response.status === 429;
      const message = `HTTP ${response.status} ${response.statusText}`.trim();
      throw retriable ? new Error(message) : new PermanentFailure(message);
    }
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (response.status !== 206 || !range || Number(range[1]) !== offset) {
      offset = 0;
      await handle.truncate(0);
    }
    const length = Number(response.headers.get('content-length') ?? NaN);
    const totalBytes = Number.isFinite(length) ? offset + length : undefined;
    let bytes = offset;
    if (response.body) {
      for await (const chunk of response.body) {
        touch();
        await handle.write(chunk);
        bytes += chunk.length;
        t.onEvent?.({ phase: 'download', url: t.url, attempt: t.attempt, bytes, totalBytes });
      }
    }
    if (totalBytes !== undefined && bytes !== totalBytes) throw new Error(`connection closed after ${bytes} of ${totalBytes} bytes`);
  } catch (error) {
    if (t.signal?.aborted) throw t.signal.reason ?? error;
    if (error instanceof PermanentFailure) throw error;
    if (isUnknownHost(error)) throw new PermanentFailure(errorText(error));
    throw error;
  } finally {
    clearTimeout(idleTimer);
    t.signal?.removeEventListener('abort', onAbort);
  }
}

interface Placed {
  digest: ContentDigest;
  /** Where the verified file now is; absent when the content was wrong. */
  finalFile?: string;
}

/**
 * Hashes the .part through one open file and renames that very file into place: the final
 * rename replaces whatever is at the final name (a link included, never followed), and an
 * existing file of this user keeps its mode (replacementMode).
 */
async function placeVerified(partFile: string, targetDir: string, file: DatasetFileManifest): Promise<Placed> {
  const handle = await open(partFile, READ_OWN);
  try {
    const stats = await handle.stat();
    if (!isOwnFile(stats)) throw new Error(`${partFile} is no longer the file this download wrote`);
    const digest = await hashOpenFile(handle, partFile);
    if (digest.sha256 !== file.sha256 || digest.size !== file.size) return { digest };
    const finalFile = path.join(targetDir, digest.gzipped ? `${file.name}.gz` : file.name);
    const mode = replacementMode(finalFile);
    if (mode !== undefined) await handle.chmod(mode);
    renameSync(partFile, finalFile);
    const placed = lstatSync(finalFile);
    if (placed.dev !== stats.dev || placed.ino !== stats.ino) {
      throw new DataError(`${finalFile} was replaced while the verified download was renamed into place`, { file: finalFile, fix: `check who else can write ${targetDir}, then stage the dataset again` });
    }
    return { digest, finalFile };
  } finally {
    await handle.close();
  }
}

/** Downloads, verifies and renames into place; returns the final path. */
export async function downloadFile(options: DownloadFileOptions): Promise<string> {
  const { file, targetDir } = options;
  const attempts = Math.max(1, options.attempts ?? 3);
  const backoffMs = options.backoffMs ?? 500;
  const sleep = options.sleep ?? defaultSleep;
  const realTargetDir = ensureDirectory(targetDir);
  const partFile = path.join(realTargetDir, `${file.name}.part`);
  const metaFile = `${partFile}.json`;
  const failures: string[] = [];
  let wrongContent = false;
  const env = options.env ?? process.env;
  const dispatcher = proxyDispatcher(env);
  try {
    for (const url of options.urls) {
      let lastError = 'not tried';
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        if (attempt > 1) {
          const wait = backoffMs * 2 ** (attempt - 2);
          options.onEvent?.({ phase: 'retry', url, attempt, message: `${lastError}; retrying in ${wait} ms` });
          await sleep(wait);
        }
        try {
          await transfer({ url, partFile, metaFile, attempt, idleTimeoutMs: options.idleTimeoutMs ?? 30_000, dispatcher, signal: options.signal, onEvent: options.onEvent });
        } catch (error) {
          if (error instanceof MlcheckError && error.kind === 'usage') throw error;
          lastError = errorText(error);
          if (error instanceof PermanentFailure) break;
          if (options.signal?.aborted) throw error;
          continue;
        }
        options.onEvent?.({ phase: 'verify', url, attempt });
        let placed: Placed | undefined;
        try {
          placed = await placeVerified(partFile, realTargetDir, file);
        } catch (error) {
          // A refusal (another user's file where this one goes) is for the operator to resolve.
          if (error instanceof MlcheckError && error.kind === 'usage') throw error;
          placed = undefined;
          lastError = errorText(error);
        }
        const digest = placed?.digest;
        if (placed?.finalFile !== undefined) {
          rmSync(metaFile, { force: true });
          return placed.finalFile;
        }
        rmSync(partFile, { force: true });
        rmSync(metaFile, { force: true });
        wrongContent = true;
        if (digest) lastError = `wrong content: sha256 ${digest.sha256} (${digest.size} bytes), expected ${file.sha256} (${file.size} bytes)`;
        break;
      }
      failures.push(`${url}: ${lastError}`);
    }
  } finally {
    await dispatcher.destroy();
  }

  const proxies = describeProxySettings(proxySettings(env));
  const details = {
    file: path.join(targetDir, file.name),
    expected: `content with sha256 ${file.sha256} (${file.size} bytes)`,
    found: failures.length > 0 ? failures.join('; ') : 'no download URL',
    fix: [
      `copy ${file.name} or ${file.name}.gz into ${targetDir}/ from a machine that has it`,
      'or set MLCHECK_DATASET_MIRROR to a local mirror of the data dir',
      proxies ? `the downloads went through the environment's proxy (${proxies}): check it, or exempt the host with NO_PROXY` : 'behind a proxy: set HTTPS_PROXY (and NO_PROXY for hosts reached directly)',
    ],
  };
  const message = `could not download ${file.name}:\n${failures.map((line) => `    ${line}`).join('\n') || '    no URLs'}`;
  throw wrongContent ? new DataError(message, details) : new RequirementError(message, details);
}
