import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNativeProbe } from '../src/native/binding.js';
import { RULE_FEATURE_NAMES } from '../src/probe/cpu-feature-names.js';
import { readCpuFromProc, readMemTotalFromProc } from '../src/probe/cpuinfo-fallback.js';
import { probeNode } from '../src/probe/index.js';
import { MlcheckError } from '../src/util/errors.js';
import { procCpuFlags } from './fake-nvidia/harness.js';

const isX86Linux = process.platform === 'linux' && process.arch === 'x64';

describe.runIf(isX86Linux)('native CPU probe against /proc/cpuinfo on this machine', () => {
  const native = loadNativeProbe();
  const facts = native.probeCpu();
  const flags = procCpuFlags();

  it.each(RULE_FEATURE_NAMES)('%s: usable by cpuid+xgetbv exactly when the kernel lists it', (name) => {
    expect(facts.features[name], `${name}: native=${facts.features[name]} /proc/cpuinfo=${flags.has(name)}`).toBe(flags.has(name));
  });

  it('usable features are a subset of what cpuid lists', () => {
    for (const [name, usable] of Object.entries(facts.features)) if (usable) expect(facts.cpuid[name], name).toBe(true);
  });

  it('vendor, family, model, stepping and CPU count match the kernel', () => {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (key: string) => new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
    expect(facts.vendor).toBe(field('vendor_id'));
    expect(facts.family).toBe(Number(field('cpu family')));
    expect(facts.model).toBe(Number(field('model')));
    expect(facts.stepping).toBe(Number(field('stepping')));
    expect(facts.logicalCpus).toBe(text.split('\n').filter((l) => /^processor\s*:/.test(l)).length);
    expect(facts.brand.length).toBeGreaterThan(0);
  });

  it('the OS state agrees with the features it gates', () => {
    const os = facts.osEnabled;
    if (facts.features.avx) expect(os.ymm && os.xmm).toBe(true);
    if (facts.features.avx512f) expect(os.zmmOpmask && os.zmmHi256 && os.zmmHi16).toBe(true);
    if (facts.cpuid.avx && !os.ymm) expect(facts.features.avx).toBe(false);
  });

  it('total memory matches MemTotal within the kernel reserve', () => {
    const memTotal = readMemTotalFromProc();
    const native = loadNativeProbe().totalMemoryBytes();
    expect(Math.abs(native - memTotal) / memTotal).toBeLessThan(0.05);
  });

  it('the /proc fallback reads the same rule flags', () => {
    const fallback = readCpuFromProc();
    for (const name of RULE_FEATURE_NAMES) expect(fallback.features[name], name).toBe(flags.has(name));
    expect(fallback.vendor).toBe(facts.vendor);
  });
});

describe('loading the addon', () => {
  it('lists every attempt and the fix when nothing loads', () => {
    const candidates = ['/nonexistent/a/mlcheck_native.node', path.resolve('package.json')];
    let caught: unknown;
    try {
      loadNativeProbe({ candidates, load: () => ({ probeCpu: 1 }) });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MlcheckError);
    const text = (caught as MlcheckError).describe();
    expect(text).toContain('/nonexistent/a/mlcheck_native.node: not found');
    expect(text).toContain(`${path.resolve('package.json')}: does not export probeCpu()`);
    expect(text).toMatch(/fix: .*npm run install/);
    expect(text).toContain('npm run build:cmake');
  });

  it('probeNode falls back to /proc and says so', async () => {
    const snapshot = await probeNode({
      loadNative: () => loadNativeProbe({ candidates: ['/nonexistent/mlcheck_native.node'] }),
    });
    expect(snapshot.source).toBe('fallback');
    expect(snapshot.fallbackReason).toContain('fell back to /proc/cpuinfo and /proc/meminfo');
    expect(snapshot.fallbackReason).toContain('/nonexistent/mlcheck_native.node: not found');
    expect(snapshot.memory.totalBytes).toBe(readMemTotalFromProc());
    expect(snapshot.verdicts.find((v) => v.subject === 'cuda')?.status).toBe('skip');
  });
});
