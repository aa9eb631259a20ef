/**
 * `mlcheck slurm check --dry-run` says what it would do in plain words ("would drain node001: ...",
 * "would resume node001 ..."; it once said "would drained"), and changes nothing. Slurm is a
 * stand-in scontrol (SLURM_BINDIR) that answers `show node` with the state the test gives and
 * records every call; the faulty node is the fake NVIDIA driver whose cuInit fails.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeProcfs, fakeSysfs, nvidiaGpusFrom } from './helpers/fake-node.js';
import { cliPath, sharedDataDir } from './helpers/paths.js';
import { runNode } from './helpers/run-process.js';

let drivers: FakeDriverDirs;
let slurmBin: string;
const calls = (): string[] => readFileSync(path.join(slurmBin, 'calls'), 'utf8').trim().split('\n');

beforeAll(() => {
  drivers = buildFakeDrivers();
  slurmBin = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-stand-in-slurm-'));
  const scontrol = path.join(slurmBin, 'scontrol');
  writeFileSync(
    scontrol,
    [
      '#!/bin/sh',
      `echo "$*" >> ${path.join(slurmBin, 'calls')}`,
      'if [ "$1 $2" = "show node" ]; then',
      '  echo "NodeName=$4 Arch=x86_64 CPUTot=2 State=$STAND_IN_STATE${STAND_IN_REASON:+ Reason=$STAND_IN_REASON [root@2025-01-01T00:00:00]}"',
      '  exit 0',
      'fi',
      'echo "stand-in scontrol: $* is not allowed in a dry run" >&2',
      'exit 1',
      '',
    ].join('\n'),
  );
  chmodSync(scontrol, 0o755);
});
afterAll(() => {
  if (drivers !== undefined) rmSync(drivers.root, { recursive: true, force: true });
});

const check = (env: NodeJS.ProcessEnv) => {
  writeFileSync(path.join(slurmBin, 'calls'), '');
  return runNode(cliPath, ['slurm', 'check', '--node', 'node001', '--dry-run', '--data-dir', sharedDataDir], { env: { ...process.env, SLURM_BINDIR: slurmBin, ...env }, timeoutMs: 300_000 });
};

describe('mlcheck slurm check --dry-run', () => {
  it('says "would drain node001: <reason>" for a failing node, and only reads its state', async () => {
    const result = await check({ STAND_IN_STATE: 'IDLE', LD_LIBRARY_PATH: drivers.both, MLCHECK_FAKE_GPUS: 'cuinit-999', MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 2)), MLCHECK_PROCFS_ROOT: fakeProcfs('550.54.15') });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^dry run: scontrol update nodename=node001 state=drain 'reason=mlcheck check\/smoke: FAIL gpu-driver: /m);
    expect(result.stderr).toMatch(/^mlcheck slurm check: would drain node001: mlcheck check\/smoke: FAIL gpu-driver: /m);
    expect(result.stderr).not.toMatch(/would drained|would resumed/);
    expect(calls()).toEqual(['show node -o node001']);
  }, 300_000);

  it('says "would resume node001 (...)" for a passing node that mlcheck drained, and only reads its state', async () => {
    const result = await check({ STAND_IN_STATE: 'IDLE+DRAIN', STAND_IN_REASON: 'mlcheck check/smoke: FAIL hello/tfjs: sum 41 (min 42)' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^dry run: scontrol update nodename=node001 state=resume$/m);
    expect(result.stderr).toMatch(/^mlcheck slurm check: would resume node001 \(the check passed hello\/tfjs; node001 was drained by mlcheck slurm check/m);
    expect(result.stderr).not.toMatch(/would drained|would resumed/);
    expect(calls()).toEqual(['show node -o node001']);
  }, 300_000);
});
