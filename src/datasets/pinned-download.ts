/**
 * Downloads one file whose sha256 and size are known beforehand into a folder only this user
 * can use, hashing it as it arrives. The file is kept only when both match; anything else is an
 * error and the partial file is removed. Requests go through the environment's proxy.
 */
import { createHash } from 'node:crypto';
import { constants, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fetch } from 'undici';
import { assertPrivateDirectory } from '../util/private-directory.js';
import { proxyDispatcher } from './proxy-dispatcher.js';

export interface PinnedDownloadOptions {
  url: string;
  sha256: string;
  size: number;
  /** A private folder (createPrivateDirectory); checked again before the file is made in it. */
  dir: string;
  /** The file's name in dir. */
  name: string;
  /** Time without data before the transfer is given up. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /** Where the proxy settings are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  onProgress?: (bytes: number, totalBytes: number) => void;
}

/** The download or its check failed; nothing was kept. `wrongContent`: bytes arrived, but not the pinned ones. */
export class PinnedDownloadError extends Error {
  constructor(
    message: string,
    readonly wrongContent: boolean,
  ) {
    super(message);
    this.name = 'PinnedDownloadError';
  }
}

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : undefined;
  return code ? `${error.message} (${code})` : error.message;
}

/** Returns the path of the verified file. */
export async function downloadPinnedFile(options: PinnedDownloadOptions): Promise<string> {
  assertPrivateDirectory(options.dir);
  const file = path.join(options.dir, options.name);
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const dispatcher = proxyDispatcher(options.env ?? process.env);
  const controller = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(new Error(`no data for ${idleTimeoutMs / 1000} s`)), idleTimeoutMs);
  };
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const output = await open(file, CREATE_NEW, 0o600);
  const hash = createHash('sha256');
  let bytes = 0;
  let kept = false;
  try {
    touch();
    let response;
    try {
      response = await fetch(options.url, { signal: controller.signal, redirect: 'follow', dispatcher });
    } catch (error) {
      throw new PinnedDownloadError(`${options.url}: ${causeOf(controller.signal.aborted ? controller.signal.reason : error)}`, false);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new PinnedDownloadError(`${options.url}: HTTP ${`${response.status} ${response.statusText}`.trim()}`, false);
    }
    try {
      if (response.body) {
        for await (const chunk of response.body) {
          touch();
          bytes += chunk.length;
          // Stop at the first byte past the pinned size: a server that sends more is not sending this file.
          if (bytes > options.size) throw new PinnedDownloadError(`${options.url}: more than the pinned ${options.size} bytes arrived`, true);
          hash.update(chunk);
          await output.write(chunk);
          options.onProgress?.(bytes, options.size);
        }
      }
    } catch (error) {
      if (error instanceof PinnedDownloadError) throw error;
      throw new PinnedDownloadError(`${options.url}: the transfer broke off after ${bytes} bytes: ${causeOf(controller.signal.aborted ? controller.signal.reason : error)}`, false);
    }
    await output.sync();
    const sha256 = hash.digest('hex');
    if (bytes !== options.size || sha256 !== options.sha256) {
      throw new PinnedDownloadError(`${options.url}: wrong content: sha256 ${sha256} (${bytes} bytes), pinned ${options.sha256} (${options.size} bytes)`, bytes === options.size);
    }
    kept = true;
    return file;
  } finally {
    clearTimeout(idleTimer);
    options.signal?.removeEventListener('abort', onAbort);
    await output.close();
    await dispatcher.destroy();
    if (!kept) rmSync(file, { force: true });
  }
}
