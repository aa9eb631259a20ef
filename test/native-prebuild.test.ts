/**
 * The prebuilt addon in prebuilds/ is committed, so it can fall behind the sources: it must have
 * been built from exactly the sources in native/ (the hash it carries), export what addon.cc
 * exports, be the file the loader picks here, and need no glibc or libstdc++ newer than RHEL 8's.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NATIVE_API_VERSION, defaultAddonCandidates, type NativeProbe } from '../src/native/binding.js';
import { repoRoot } from './helpers/paths.js';

const prebuildDir = path.join(repoRoot, 'prebuilds', 'linux-x64');
const prebuilt = path.join(prebuildDir, 'mlcheck.glibc.node');
const REBUILD = 'stale prebuild: run `npm run build:prebuilds` and commit prebuilds/';

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('the committed prebuilt addon (linux-x64, glibc)', () => {
  it('is the only file in prebuilds/linux-x64', () => {
    expect(readdirSync(prebuildDir)).toEqual(['mlcheck.glibc.node']);
  });

  it('was built from the sources in native/ (its sourcesSha256 is their hash now)', () => {
    const hash = spawnSync(process.execPath, [path.join(repoRoot, 'native', 'source-hash.cjs')], { encoding: 'utf8' }).stdout;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const addon = createRequire(import.meta.url)(prebuilt) as NativeProbe;
    expect(addon.sourcesSha256, REBUILD).toBe(hash);
  });

  it("exports exactly what addon.cc's Init sets, with the loader's interface version", () => {
    const source = readFileSync(path.join(repoRoot, 'native', 'src', 'addon.cc'), 'utf8');
    const names = [...source.matchAll(/exports\.Set\("(\w+)"/g)].map((m) => m[1]);
    const addon = createRequire(import.meta.url)(prebuilt) as Record<string, unknown>;
    expect(Object.keys(addon).sort(), REBUILD).toEqual(names.sort());
    expect(addon.apiVersion).toBe(NATIVE_API_VERSION);
  });

  it('is what the loader tries after the local builds', () => {
    expect(defaultAddonCandidates({}).at(-1)).toBe(prebuilt);
  });

  it.runIf(spawnSync('objdump', ['--version']).status === 0)('needs at most glibc 2.17 and libstdc++ 3.4.25 (GCC 8), so it loads on RHEL 8 and Ubuntu 20.04', () => {
    const symbols = spawnSync('objdump', ['-T', prebuilt], { encoding: 'utf8' }).stdout;
    const highest = (prefix: string): number[] =>
      [...symbols.matchAll(new RegExp(`\\(${prefix}_([\\d.]+)\\)`, 'g'))].map((m) => m[1]!.split('.').map(Number)).sort((a, b) => a[0]! - b[0]! || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0)).at(-1) ?? [];
    const glibc = highest('GLIBC');
    const glibcxx = highest('GLIBCXX');
    expect(glibc[0] === 2 && glibc[1]! <= 17, `GLIBC_${glibc.join('.')}`).toBe(true);
    expect(glibcxx[0] === 3 && glibcxx[1] === 4 && (glibcxx[2] ?? 0) <= 25, `GLIBCXX_${glibcxx.join('.')}`).toBe(true);
  });
});
