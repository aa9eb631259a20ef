/**
 * The probe on an older CPU: Debian's qemu-user emulates a Nehalem (SSE4.2, no AVX, no XSAVE),
 * so cpuid and xgetbv answer as that CPU would. Needs the Debian package qemu-user.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ProbeSnapshot } from '../src/probe/index.js';
import { runProbe } from './fake-nvidia/harness.js';

const qemu = spawnSync('sh', ['-c', 'command -v qemu-x86_64'], { encoding: 'utf8' }).stdout.trim();
const onX64 = process.platform === 'linux' && process.arch === 'x64';
if (qemu === '' && onX64) console.warn('probe-qemu.test.ts skipped: qemu-x86_64 not found (install the Debian package qemu-user)');

describe.skipIf(qemu === '' || !onX64)('mlcheck probe under qemu-x86_64 -cpu Nehalem', () => {
  it('reports AVX, AVX2 and FMA missing and gcc fail', () => {
    const run = runProbe(['--json', '--require', 'gcc'], {}, [qemu, '-cpu', 'Nehalem', process.execPath]);
    const snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
    expect(snapshot.source).toBe('native');
    expect(snapshot.cpu.brand).toContain('Nehalem');
    expect(snapshot.cpu.features).toMatchObject({ sse4_2: true, avx: false, avx2: false, fma: false, avx512f: false, avx512_vnni: false });
    expect(snapshot.cpu.osEnabled).toMatchObject({ osxsave: false, ymm: false, zmmOpmask: false });
    const gcc = snapshot.verdicts.find((v) => v.subject === 'gcc');
    expect(gcc?.status).toBe('fail');
    expect(gcc?.reason).toContain('AVX (avx), AVX2 (avx2), FMA (fma)');
    expect(snapshot.verdicts.find((v) => v.subject === 'gcc8')?.status).toBe('fail');
    expect(run.code).toBe(1);
  });
});
