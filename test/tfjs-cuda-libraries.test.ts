import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TFJS_NODE_GPU_CUDA_LIBRARIES } from '../src/engines/tfjs/cuda-libraries.js';
import { buildStandIn, standInDir } from './fake-cuda-libs/harness.js';
import { buildFakeDrivers } from './fake-nvidia/harness.js';
import { distModule } from './helpers/paths.js';

interface Missing {
  file: string;
  problem: string;
}

/**
 * LD_LIBRARY_PATH is read by ld.so when a process starts, so each lookup runs in a child process
 * with the stand-ins on its path, through the compiled module that ships.
 */
function missingInChild(libraryPath: string): Missing[] {
  const module = pathToFileURL(distModule('engines/tfjs/cuda-libraries.js')).href;
  const script = `const { missingCudaLibraries } = await import(${JSON.stringify(module)}); process.stdout.write(JSON.stringify(missingCudaLibraries()));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: libraryPath }, timeout: 60_000 });
  if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Missing[];
}

const ALL = TFJS_NODE_GPU_CUDA_LIBRARIES.map((library) => library.file);
/** What this machine's own loader cannot load: a node with CUDA 11 installed would find some itself. */
let missingOnThisSystem: Set<string>;
beforeAll(() => {
  missingOnThisSystem = new Set(missingInChild('').map((m) => m.file));
});

describe('the CUDA libraries libtensorflow 2.9 dlopens, looked up by the real loader', () => {
  it('finds all nine when stand-ins with their sonames are on LD_LIBRARY_PATH', () => {
    const dir = standInDir('complete');
    for (const file of ALL) buildStandIn(dir, file);
    expect(missingInChild(dir)).toEqual([]);
  });

  it("loads the fake NVIDIA driver's libcuda.so.1 (the one the probe tests use) beside stand-ins for CUDA 11 and cuDNN 8", () => {
    const driver = buildFakeDrivers().cudaOnly;
    const dir = standInDir('with-fake-driver');
    for (const file of ALL.filter((f) => f !== 'libcuda.so.1')) buildStandIn(dir, file);
    expect(missingInChild(`${dir}:${driver}`)).toEqual([]);
    expect(missingInChild(dir).map((m) => m.file)).toEqual(missingOnThisSystem.has('libcuda.so.1') ? ['libcuda.so.1'] : []);
  });

  it('names exactly the ones left out, as TensorFlow would fail to open them', () => {
    const dir = standInDir('partial');
    const leftOut = ['libcurand.so.10', 'libcudnn.so.8'];
    for (const file of ALL.filter((f) => !leftOut.includes(f))) buildStandIn(dir, file);
    const missing = missingInChild(dir);
    expect(missing.map((m) => m.file)).toEqual(leftOut.filter((file) => missingOnThisSystem.has(file)));
    for (const entry of missing) expect(entry.problem).toMatch(new RegExp(`${entry.file.replace(/\./g, '\\.')}: cannot open shared object file`));
  });

  it('reports a library whose own dependency is missing, naming the dependency', () => {
    const dir = standInDir('dependency');
    const elsewhere = buildStandIn(standInDir('nvjitlink'), 'libnvJitLink.so.12');
    for (const file of ALL.filter((f) => f !== 'libcusolver.so.11')) buildStandIn(dir, file);
    buildStandIn(dir, 'libcusolver.so.11', { needs: [elsewhere] });
    const missing = missingInChild(dir);
    expect(missing.map((m) => m.file)).toEqual(['libcusolver.so.11']);
    expect(missing[0]!.problem).toMatch(/libnvJitLink\.so\.12: cannot open shared object file/);
    // With the dependency's folder on the path too, it loads.
    expect(missingInChild(`${dir}:${path.dirname(elsewhere)}`)).toEqual([]);
  });

  it('binds symbols at load time as libtensorflow does (RTLD_NOW): a library with an unresolved symbol is not usable', () => {
    const dir = standInDir('symbols');
    for (const file of ALL.filter((f) => f !== 'libcublasLt.so.11')) buildStandIn(dir, file);
    buildStandIn(dir, 'libcublasLt.so.11', { undefinedSymbols: ['cublasLtSymbolFromANewerCuda'] });
    const missing = missingInChild(dir);
    expect(missing.map((m) => m.file)).toEqual(['libcublasLt.so.11']);
    expect(missing[0]!.problem).toMatch(/undefined symbol: cublasLtSymbolFromANewerCuda/);
  });
});
