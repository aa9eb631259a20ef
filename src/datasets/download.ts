/**
 * Downloads one dataset file: each URL in order (canonical first, then mirrors), retries with
 * exponential backoff, resumes an interrupted transfer with an HTTP Range request into a
 * `.part` file, and verifies the decompressed content before the atomic rename into place.
 * Requests go through the environment's proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fetch, type Dispatcher } from 'undici';
import { ensureDirectory } from '../util/ensure-directory.js';
import { DataError, RequirementError } from '../util/errors.js';
import { describeProxySettings, proxySettings } from '../util/proxy-env.js';
import { hashContent } from './content-hash.js';
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

/** One HTTP request into the .part file; resumes when the .part came from the same URL. */
async function transfer(t: Transfer): Promise<void> {
  let offset = 0;
  if (existsSync(t.partFile)) {
    let sameUrl = false;
    try {
      sameUrl = (JSON.parse(readFileSync(t.metaFile, 'utf8')) as { url?: string }).url === t.url;
    } catch {
      sameUrl = false;
    }
    if (sameUrl) offset = statSync(t.partFile).size;
    else rmSync(t.partFile, { force: true });
  }
  writeFileSync(t.metaFile, JSON.stringify({ url: t.url }));

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
      rmSync(t.partFile, { force: true });
      throw new Error('HTTP 416 (the partial download does not fit the file); restarting');
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel().catch(() => undefined);
      const retriable = response.status >= 500 || response.status === 408 || response.status === 429;
      const message = `HTTP ${response.status} ${response.statusText}`.trim();
      throw retriable ? new Error(message) : new PermanentFailure(message);
    }
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (response.status !== 206 || !range || Number(range[1]) !== offset) offset = 0;
    const length = Number(response.headers.get('content-length') ?? NaN);
    const totalBytes = Number.isFinite(length) ? offset + length : undefined;
    const handle = await open(t.partFile, offset > 0 ? 'a' : 'w');
    let bytes = offset;
    try {
      if (response.body) {
        for await (const chunk of response.body) {
          touch();
          await handle.write(chunk);
          bytes += chunk.length;
          t.onEvent?.({ phase: 'download', url: t.url, attempt: t.attempt, bytes, totalBytes });
        }
      }
    } finally {
      await handle.close();
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

/** Downloads, verifies and renames into place; returns the final path. */
export async function downloadFile(options: DownloadFileOptions): Promise<string> {
  const { file, targetDir } = options;
  const attempts = Math.max(1, options.attempts ?? 3);
  const backoffMs = options.backoffMs ?? 500;
  const sleep = options.sleep ?? defaultSleep;
  ensureDirectory(targetDir);
  const partFile = path.join(targetDir, `${file.name}.part`);
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
          lastError = errorText(error);
          if (error instanceof PermanentFailure) break;
          if (options.signal?.aborted) throw error;
          continue;
        }
        options.onEvent?.({ phase: 'verify', url, attempt });
        let digest;
        try {
          digest = await hashContent(partFile);
        } catch (error) {
          digest = undefined;
          lastError = errorText(error);
        }
        if (digest && digest.sha256 === file.sha256 && digest.size === file.size) {
          const finalFile = path.join(targetDir, digest.gzipped ? `${file.name}.gz` : file.name);
          renameSync(partFile, finalFile);
          rmSync(metaFile, { force: true });
          return finalFile;
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
