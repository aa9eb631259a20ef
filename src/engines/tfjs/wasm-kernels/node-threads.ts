import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { env } from '@tensorflow/tfjs-core';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { assertPrivateDirectory, createPrivateDirectory } from '../../../util/private-directory.js';

export interface WasmThreadsOptions {
  /** Threads for XNNPACK's pool (tfjs caps it at 8). */
  threads: number;
  /**
   * A directory private to this user and process for the worker scripts (see
   * createPrivateDirectory); default: a fresh one under the OS temp dir, removed at exit.
   */
  scriptDir?: string;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * Initialises the tfjs wasm backend with its threaded SIMD build in Node, which tfjs 4.22 does
 * not do by itself (tensorflow/tfjs#3830): it disables threads under Node, hands Node's
 * worker_threads a blob: URL it cannot load, and sizes the pool from os.cpus()/2.
 *
 * Call it in place of the first `tf.setBackend('wasm')`: `initialise` runs with the workarounds
 * in force (a worker script on disk, a core count that lets `threads` through), and they are
 * undone when it settles. Returns what `initialise` returns.
 */
export async function enableWasmThreadsInNode<T>(options: WasmThreadsOptions, initialise: () => Promise<T>): Promise<T> {
  const threads = Math.max(1, Math.min(8, Math.floor(options.threads)));
  const scripts = writeWorkerScripts(privateScriptDir(options.scriptDir));
  env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);

  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  // The module asks for a blob: URL only for its worker script; it counts os.cpus() / 2 as cores.
  URL.createObjectURL = () => scripts.worker;
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % real.length]);
  };
  try {
    return await initialise();
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}

function privateScriptDir(requested: string | undefined): string {
  if (requested === undefined) return createPrivateDirectory('mlcheck-wasm-threads-');
  assertPrivateDirectory(requested);
  return requested;
}

interface WorkerScripts {
  worker: string;
  main: string;
}

function writeWorkerScripts(dir: string): WorkerScripts {
  const { wasmWorkerContents } = requireFromHere(
    '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js',
  ) as { wasmWorkerContents: string };
  const factoryModule = requireFromHere('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as
    | { default?: () => unknown }
    | (() => unknown);
  const factory = typeof factoryModule === 'function' ? factoryModule : factoryModule.default;
  if (typeof factory !== 'function') {
    throw new Error('tfjs wasm backend: the threaded SIMD module factory was not found in @tensorflow/tfjs-backend-wasm/wasm-out.');
  }
  const mainSource = `var WasmBackendModuleThreadedSimd = ${factory.toString()}`;
  const main = path.join(dir, 'tfjs-backend-wasm-threaded-simd.cjs');
  const worker = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  // Inside a worker the module is handed over as a Blob, which Node's importScripts shim cannot read.
  const workerSource =
    `URL.createObjectURL = () => ${JSON.stringify(main)}; URL.revokeObjectURL = () => {};\n` +
    // The bundled string carries real newlines inside string literals; tfjs escapes them the same way.
    wasmWorkerContents.replace(/\n/g, '\\n');
  // 'wx': never write through a file (or link) that is already there.
  writeFileSync(main, mainSource, { flag: 'wx', mode: 0o600 });
  writeFileSync(worker, workerSource, { flag: 'wx', mode: 0o600 });
  return { worker, main };
}
