/** `mlcheck probe` as a whole process on the machine running the tests. */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProbeSnapshot } from '../src/probe/index.js';
import { RULE_FEATURE_NAMES } from '../src/probe/cpu-feature-names.js';
import { procCpuFlags, repoRoot, runProbe } from './fake-nvidia/harness.js';
import { trustedTempDir } from './helpers/trusted-temp.js';

// No NVIDIA library may be reachable for these expectations; a GPU machine runs the fake-driver tests instead.
const noDriver = spawnSync('sh', ['-c', 'ldconfig -p 2>/dev/null | grep -q libcuda.so.1']).status !== 0;
const flags = procCpuFlags();
const expectedGcc = ['avx', 'avx2', 'fma', 'sse4_2'].every((f) => flags.has(f)) ? 'pass' : 'fail';
const expectedGcc8 = flags.has('avx512_vnni') ? 'pass' : 'fail';

describe('mlcheck probe --json: the field contract', () => {
  const run = runProbe(['--json']);
  const snapshot = JSON.parse(run.stdout) as ProbeSnapshot;

  it('exits 0 and prints one JSON document with the contract fields', () => {
    expect(run.code).toBe(0);
    expect(snapshot.schemaVersion).toBe(5);
    expect(snapshot.source).toBe('native');
    expect(snapshot.fallbackReason).toBeNull();
    for (const name of RULE_FEATURE_NAMES) expect(typeof snapshot.cpu.features[name], name).toBe('boolean');
    for (const key of ['xmm', 'ymm', 'zmmOpmask', 'zmmHi256', 'zmmHi16', 'amxTile'] as const) expect(typeof snapshot.cpu.osEnabled[key], key).toBe('boolean');
    expect(snapshot.memory.totalBytes).toBeGreaterThan(0);
    expect(Array.isArray(snapshot.gpus)).toBe(true);
    expect(snapshot.gpuError === null || typeof snapshot.gpuError === 'string').toBe(true);
    expect(snapshot.verdicts.map((v) => v.subject)).toEqual(['gpu-driver', 'gpu-count', 'cuda', 'gcc', 'gcc8', 'memory']);
    for (const verdict of snapshot.verdicts) {
      expect(['pass', 'warn', 'fail', 'skip']).toContain(verdict.status);
      expect(verdict.reason.length).toBeGreaterThan(0);
    }
  });

  it('judges this CPU as the kernel sees it', () => {
    expect(snapshot.verdicts.find((v) => v.subject === 'gcc')?.status).toBe(expectedGcc);
    expect(snapshot.verdicts.find((v) => v.subject === 'gcc8')?.status).toBe(expectedGcc8);
    expect(snapshot.cpu.features.avx512_vnni).toBe(flags.has('avx512_vnni'));
  });

  it.runIf(noDriver)('without a driver, cuda is skip "no NVIDIA driver"', () => {
    expect(snapshot.gpuError).toBe('libcuda.so.1 not found: no NVIDIA driver installed');
    expect(snapshot.verdicts.find((v) => v.subject === 'cuda')).toMatchObject({ status: 'skip', reason: expect.stringContaining('no NVIDIA driver') });
  });
});

describe('mlcheck probe: table, requirements and exit codes', () => {
  it('prints a readable table', () => {
    const run = runProbe([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^CPU /m);
    expect(run.stdout).toMatch(/^gcc8\s+(PASS|FAIL)\s/m);
    expect(run.stdout).toMatch(/^cuda\s+(PASS|WARN|FAIL|SKIP)\s/m);
  });

  it('--require follows the verdict', () => {
    expect(runProbe(['--require', 'gcc8']).code).toBe(expectedGcc8 === 'pass' ? 0 : 1);
    expect(runProbe(['--require', 'gcc', '--require', 'memory']).code).toBe(expectedGcc === 'pass' ? 0 : 1);
  });

  it.runIf(noDriver)('--require cuda and a cuda package fail without GPUs, naming the common mistake', () => {
    expect(runProbe(['--require', 'cuda']).code).toBe(1);
    const run = runProbe(['--json', '--require-package', 'cm-xgboost-py37-cuda10.1-gcc']);
    expect(run.code).toBe(1);
    const verdict = (JSON.parse(run.stdout) as ProbeSnapshot).verdicts.find((v) => v.subject === 'cm-xgboost-py37-cuda10.1-gcc');
    expect(verdict).toMatchObject({ kind: 'package', status: 'fail', reason: expect.stringContaining('CUDA packages on a node without GPUs') });
  });

  it('bad usage exits 2 and says what was expected', () => {
    const unknownFamily = runProbe(['--require', 'tpu']);
    expect(unknownFamily.code).toBe(2);
    expect(unknownFamily.stderr).toContain('unknown check "tpu"');
    expect(unknownFamily.stderr).toContain('cuda | gcc | gcc8 | memory');
    const badPackage = runProbe(['--require-package', 'tensorflow-gpu']);
    expect(badPackage.code).toBe(2);
    expect(badPackage.stderr).toContain('cannot parse package name "tensorflow-gpu"');
    expect(runProbe(['--package', 'cm-py37']).code).toBe(2);
  });

  it("--list-packages prints the manual's package names", () => {
    const run = runProbe(['--list-packages']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cm-tensorflow-py37-mkl-gcc8');
    expect(run.stdout).toContain('cm-caffe2-py36-cuda10.1-gcc');
    const json = JSON.parse(runProbe(['--list-packages', '--json']).stdout) as { packages: string[] };
    expect(json.packages).toContain('cm-xgboost-py37-cuda10.1-gcc');
  });

  it('falls back to /proc when the addon cannot load, and says so', () => {
    const run = runProbe(['--json'], { MLCHECK_NATIVE_ADDON: '/nonexistent/mlcheck_native.node' });
    expect(run.code).toBe(0);
    const snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
    expect(snapshot.source).toBe('fallback');
    expect(snapshot.fallbackReason).toContain('/nonexistent/mlcheck_native.node: not found');
    expect(snapshot.verdicts.find((v) => v.subject === 'gcc')?.status).toBe(expectedGcc);
    expect(runProbe([], { MLCHECK_NATIVE_ADDON: '/nonexistent/mlcheck_native.node' }).stdout).toContain('FALLBACK');
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')('loads the addon only from where nobody but root (or the invoking user) can change it; a refused one falls back the way a missing one does, saying why', () => {
    const dir = trustedTempDir('mlcheck-addon-');
    try {
      const open = path.join(dir, 'open');
      mkdirSync(open);
      chmodSync(open, 0o777);
      for (const folder of [dir, open]) copyFileSync(path.join(repoRoot, 'prebuilds', 'linux-x64', 'mlcheck.glibc.node'), path.join(folder, 'mlcheck_native.node'));

      const trusted = JSON.parse(runProbe(['--json'], { MLCHECK_NATIVE_ADDON: path.join(dir, 'mlcheck_native.node') }).stdout) as ProbeSnapshot;
      expect(trusted.source).toBe('native');

      const run = runProbe(['--json'], { MLCHECK_NATIVE_ADDON: path.join(open, 'mlcheck_native.node') });
      expect(run.code).toBe(0);
      const snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
      expect(snapshot.source).toBe('fallback');
      expect(snapshot.fallbackReason).toContain(`${path.join(open, 'mlcheck_native.node')}: refused: ${open} is mode 0777 (writable by every user)`);
      expect(snapshot.fallbackReason).toContain(`fix: keep others from writing ${open}: chmod go-w ${open}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
