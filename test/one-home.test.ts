/**
 * Facts that more than one place needs live in one place; these tests tie each list to the
 * places that use it, so an entry added in one home cannot be missing from a user.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheRoot } from '../src/datasets/locations.js';
import { dlopenCheck, ldLibraryPath, loaderCheck } from '../src/engines/dynamic-loader.js';
import { createOnnxEngine } from '../src/engines/onnx/index.js';
import { PROVIDER_REQUIREMENTS } from '../src/engines/onnx/provider-requirements.js';
import { PYTHON_BACKENDS } from '../src/engines/python/backends.js';
import { createTfjsEngine } from '../src/engines/tfjs/index.js';
import { ENGINE_BACKENDS, ENGINE_GPU_BACKEND, ENGINE_IDS, ONNX_PROVIDERS, TFJS_BACKENDS } from '../src/engines/types.js';
import { defaultModelDirs } from '../src/workloads/inception/resolve-model.js';
import { PROFILE_IDS } from '../src/workloads/types.js';
import { repoRoot } from './helpers/paths.js';

describe('the backend list (src/engines/types.ts)', () => {
  it.each([
    { engine: 'tfjs' as const, detect: () => createTfjsEngine().detect() },
    { engine: 'onnx' as const, detect: () => createOnnxEngine({ detect: { checkLibrary: (soname) => `${soname}: not here`, gpuVisibility: async () => ({ gpus: [], error: 'no GPU in this test' }) } }).detect() },
  ])('holds every backend $engine reports, in its preference order', async ({ engine, detect }) => {
    expect((await detect()).map((status) => status.backend)).toEqual([...ENGINE_BACKENDS[engine]]);
  });

  it('is what the engines, the GPU plan and the onnx provider table are built from', () => {
    expect(ENGINE_BACKENDS).toEqual({ tfjs: TFJS_BACKENDS, onnx: ONNX_PROVIDERS, python: PYTHON_BACKENDS });
    for (const engine of ENGINE_IDS) expect(ENGINE_BACKENDS[engine]).toContain(ENGINE_GPU_BACKEND[engine]);
    expect(Object.keys(PROVIDER_REQUIREMENTS)).toEqual([...ONNX_PROVIDERS]);
    for (const provider of ONNX_PROVIDERS) expect(PROVIDER_REQUIREMENTS[provider].sessionProviders.at(-1)).toBe('cpu');
  });
});

describe('the profile list (src/workloads/types.ts)', () => {
  it.each(['profiles', 'nodes', 'expected-labels'])('is the set of profiles schema/%s.schema.json accepts', (name) => {
    const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schema', `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
    const profileKeys = new Set<string>();
    const visit = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      const properties = (node as { properties?: Record<string, unknown> }).properties;
      if (properties && 'quick' in properties) profileKeys.add(Object.keys(properties).join(','));
      Object.values(node).forEach(visit);
    };
    visit(schema);
    expect([...profileKeys]).toEqual([PROFILE_IDS.join(',')]);
  });

  it('is the set of profiles the report schema accepts', () => {
    const text = readFileSync(path.join(repoRoot, 'schema', 'report.schema.json'), 'utf8');
    const lists = [...text.matchAll(/"profile": \{ "enum": (\[[^\]]*\]) \}/g)].map((m) => JSON.parse(m[1]!) as string[]);
    expect(lists.length).toBeGreaterThan(0);
    for (const list of lists) expect(list).toEqual([...PROFILE_IDS]);
  });
});

describe('the cache root (src/datasets/locations.ts)', () => {
  it.each([
    { env: { XDG_CACHE_HOME: '/var/cache/x' }, root: '/var/cache/x/mlcheck' },
    // The XDG spec: a relative value is invalid and ignored.
    { env: { XDG_CACHE_HOME: 'relative/cache' }, root: path.join(os.homedir(), '.cache', 'mlcheck') },
    { env: {}, root: path.join(os.homedir(), '.cache', 'mlcheck') },
  ])('holds the model cache too (XDG_CACHE_HOME=$env.XDG_CACHE_HOME)', ({ env, root }) => {
    expect(cacheRoot({ env }).dir).toBe(root);
    expect(defaultModelDirs(env)).toEqual([path.join(root, 'imagenet')]);
  });
});

describe('the dynamic loader check (src/engines/dynamic-loader.ts)', () => {
  it('loads by soname, and from a folder searched first (a provider library $ORIGIN)', () => {
    expect(dlopenCheck('libc.so.6')).toBeNull();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-loader-'));
    copyFileSync('/lib/x86_64-linux-gnu/libz.so.1', path.join(dir, 'libmlcheck-zcopy.so.1'));
    expect(dlopenCheck('libmlcheck-zcopy.so.1')).toMatch(/libmlcheck-zcopy\.so\.1: cannot open shared object file/);
    expect(loaderCheck({ searchFirst: [dir] })('libmlcheck-zcopy.so.1')).toBeNull();
  });

  it('reads LD_LIBRARY_PATH once for both engines, without empty entries', () => {
    expect(ldLibraryPath({ LD_LIBRARY_PATH: '/a::/b:' })).toEqual(['/a', '/b']);
    expect(ldLibraryPath({})).toEqual([]);
  });
});
