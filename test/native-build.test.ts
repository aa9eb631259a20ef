/** Both builds of the addon use one list of sources, and the cmake-js build loads and probes. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProbeSnapshot } from '../src/probe/index.js';
import { repoRoot, runProbe } from './fake-nvidia/harness.js';
import { trustedTempDir } from './helpers/trusted-temp.js';

const gypiSources = [...readFileSync(path.join(repoRoot, 'native', 'sources.gypi'), 'utf8').matchAll(/'([^']+\.cc)'/g)].map((m) => m[1]);

describe('native sources', () => {
  it('sources.gypi lists exactly the .cc files in native/src, and binding.gyp includes it', () => {
    const onDisk = readdirSync(path.join(repoRoot, 'native', 'src')).filter((f) => f.endsWith('.cc')).map((f) => `src/${f}`);
    expect([...gypiSources].sort()).toEqual(onDisk.sort());
    expect(readFileSync(path.join(repoRoot, 'binding.gyp'), 'utf8')).toContain("'includes': ['native/sources.gypi']");
    expect(readFileSync(path.join(repoRoot, 'native', 'CMakeLists.txt'), 'utf8')).toContain('sources.gypi');
  });
});

const hasCmake = spawnSync('cmake', ['--version']).status === 0;

describe.runIf(hasCmake)('cmake-js build', () => {
  it('compiles the same sources into a loadable addon', () => {
    // Not below /tmp: mlcheck loads an addon only from where nobody else can write (trusted-path.ts).
    const out = trustedTempDir('mlcheck-cmake-');
    try {
      const cmakeJs = path.join(repoRoot, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
      const build = spawnSync(process.execPath, [cmakeJs, 'compile', '--directory', 'native', '--out', out], { cwd: repoRoot, encoding: 'utf8', timeout: 240_000 });
      expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
      for (const source of gypiSources) expect(build.stdout + build.stderr).toContain(path.basename(source ?? ''));
      const addon = path.join(out, 'Release', 'mlcheck_native.node');
      // It names the sources it was built from, as the node-gyp build and the prebuilt binary do.
      const sourcesHash = spawnSync(process.execPath, [path.join(repoRoot, 'native', 'source-hash.cjs')], { encoding: 'utf8' }).stdout;
      const named = spawnSync(process.execPath, ['-p', `require(${JSON.stringify(addon)}).sourcesSha256`], { encoding: 'utf8' }).stdout.trim();
      expect(named).toBe(sourcesHash);
      const run = runProbe(['--json'], { MLCHECK_NATIVE_ADDON: addon, LD_LIBRARY_PATH: '' });
      const snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
      expect(snapshot.source).toBe('native');
      expect(snapshot.verdicts.map((v) => v.subject)).toEqual(['gpu-driver', 'gpu-count', 'cuda', 'gcc', 'gcc8', 'memory']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
