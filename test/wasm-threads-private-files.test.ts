import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertPrivateDirectory } from '../src/util/private-directory.js';
import { cliPath, sharedDataDir } from './helpers/paths.js';

const requireFromTest = createRequire(import.meta.url);

/** Where mlcheck 0.1 wrote (and reused) the wasm worker scripts: <tmp>/mlcheck-tfjs-wasm-threads/<digest>/. */
function formerScriptDir(tmp: string): string {
  const { wasmWorkerContents } = requireFromTest('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string };
  const factoryModule = requireFromTest('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as { default?: () => unknown } | (() => unknown);
  const factory = typeof factoryModule === 'function' ? factoryModule : factoryModule.default!;
  const mainSource = `var WasmBackendModuleThreadedSimd = ${factory.toString()}`;
  const digest = createHash('sha256').update(mainSource).update(wasmWorkerContents).digest('hex').slice(0, 16);
  return path.join(tmp, 'mlcheck-tfjs-wasm-threads', digest);
}

describe('wasm worker scripts are written only where no other user can write', () => {
  it('never executes a script planted at the old shared /tmp path, and leaves no script behind', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-plant-'));
    const marker = path.join(tmp, 'planted-script-ran');
    const planted = formerScriptDir(tmp);
    mkdirSync(planted, { recursive: true, mode: 0o777 });
    const payload = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`;
    writeFileSync(path.join(planted, 'tfjs-backend-wasm-threaded-simd.cjs'), payload);
    writeFileSync(path.join(planted, 'tfjs-backend-wasm-threaded-simd.worker.cjs'), payload);

    const outDir = path.join(tmp, 'run');
    // iris trains on the wasm backend with its worker pool (hello runs on one thread: no workers).
    const result = spawnSync(process.execPath, [cliPath, 'run', 'iris', '--engine', 'tfjs', '--backend', 'wasm', '--threads', '2', '--no-probe', '--data-dir', sharedDataDir, '--out', outDir], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: tmp },
      timeout: 120_000,
    });
    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8')) as { cases: Array<{ outcome: string; device: string }> };
    expect(existsSync(marker), 'the planted script ran').toBe(false);
    expect(report.cases[0]!.outcome, result.stdout + result.stderr).toBe('pass');
    expect(report.cases[0]!.device).toMatch(/2 threads/);
    // The private directory the case made for its scripts is gone with the case process.
    expect(readdirSync(tmp).filter((name) => name.startsWith('mlcheck-wasm-threads-'))).toEqual([]);
  });

  it('refuses a directory that other users can write to', () => {
    const shared = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-shared-'));
    chmodSync(shared, 0o777);
    expect(() => assertPrivateDirectory(shared)).toThrow(/writable by every user/);
    chmodSync(shared, 0o700);
    expect(() => assertPrivateDirectory(shared)).not.toThrow();
  });
});
