/**
 * A job's GPUs by identity, end to end through the CLI: the fake NVIDIA driver (test/fake-nvidia,
 * dlopen'd through LD_LIBRARY_PATH), a stand-in /sys, /proc and /dev (test/helpers/fake-node.ts)
 * and Slurm's variables. The job's GPUs are matched to PCI addresses and UUIDs; only they are
 * judged; other jobs' GPUs and processes are not the job's business; a job without GPUs checks
 * none, and CUDA_ERROR_NO_DEVICE inside it is expected.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeSnapshot, Verdict } from '../src/probe/index.js';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeDeviceFiles, fakeDpkgDatabase, fakeProcfs, fakeSysfs, kernelLogFixture, nvidiaGpusFrom, nvidiaGpusOnBuses } from './helpers/fake-node.js';
import { cliPath } from './helpers/paths.js';
import { runNode } from './helpers/run-process.js';

let dirs: FakeDriverDirs;
let work: string;
beforeAll(() => {
  dirs = buildFakeDrivers();
  work = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-job-scope-'));
});
afterAll(() => {
  if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

const NO_JOB = {
  CUDA_VISIBLE_DEVICES: undefined,
  CUDA_DEVICE_ORDER: undefined,
  SLURM_JOB_ID: undefined,
  SLURM_JOB_GPUS: undefined,
  SLURM_STEP_GPUS: undefined,
  SLURM_SCRIPT_CONTEXT: undefined,
  NVIDIA_VISIBLE_DEVICES: undefined,
};
const MODULE = '550.54.15';
/** The UUIDs the fake driver gives the mixed node's A100 (bus 86) and P100 (bus 3b). */
const A100_UUID = 'GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  lastLine: string;
  report: { probe: ProbeSnapshot; cases: Array<{ id: string; backend: string; outcome: string }> } | null;
  verdict: (subject: string) => Verdict | undefined;
}

async function mlcheck(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const json = path.join(mkdtempSync(path.join(work, 'run-')), 'report.json');
  const withJson = args[0] === 'probe' ? args : [...args, '--json', json];
  const result = await runNode(cliPath, withJson, {
    env: { ...process.env, ...NO_JOB, LD_LIBRARY_PATH: dirs.both, MLCHECK_KMSG: kernelLogFixture('no-xid.log'), DPKG_ADMINDIR: fakeDpkgDatabase([]), ...env },
    timeoutMs: 180_000,
  });
  const report = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as Run['report']) : null;
  return {
    ...result,
    lastLine: result.stdout.trimEnd().split('\n').at(-1) ?? '',
    report,
    verdict: (subject) => report?.probe.verdicts.find((v) => v.subject === subject),
  };
}

const prolog = (env: Record<string, string | undefined>) => mlcheck(['slurm', 'check', '--prolog', 'hello', '--node', 'node01'], env);

/** The "modern" pair (A100 at 07:00.0, H100 at 08:00.0); with "busy", PID 4242 runs on the H100 (GPU 1). */
const busyPair = (comm: string) => ({
  MLCHECK_FAKE_GPUS: 'busy',
  MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 2)),
  MLCHECK_PROCFS_ROOT: fakeProcfs(MODULE, { gpus: nvidiaGpusFrom(7, 2).map((d, minor) => ({ address: d.address, minor })), processes: { 4242: comm } }),
});

describe("a prolog judges only the job's GPUs: other jobs' GPUs and processes are not its business", () => {
  it('a job without GPUs: another job\'s process on GPU 1 fails nothing, and the node is checked as a CPU node', async () => {
    const run = await prolog({ ...busyPair('python'), SLURM_JOB_ID: '101' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/FAIL/);
    expect(run.report?.probe.jobScope).toMatchObject({ source: 'SLURM_JOB_ID', value: '101', count: 0, gpus: [], cudaVisibleDevices: '' });
    expect(run.verdict('gpu-processes')).toMatchObject({ status: 'skip', reason: "the job was given no GPU (job 101 has no SLURM_JOB_GPUS): none of the node's GPUs is the job's to judge" });
    for (const verdict of run.report?.probe.verdicts.filter((v) => v.kind === 'gpu') ?? []) expect(verdict.status, verdict.subject).not.toBe('fail');
    // The other job's process is still reported.
    expect(run.report?.probe.health[1]?.processes).toEqual([{ pid: 4242, name: 'python', usedMemoryBytes: 1073741824 }]);
    // Its cases ran on the CPU, and were shown no GPU.
    expect(run.report?.cases.map((c) => `${c.id}/${c.backend}`)).toEqual(['hello/tfjs/wasm', 'hello/onnx/cpu']);
    expect(run.stderr).toContain('CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=""');
    expect(run.lastLine).toMatch(/^mlcheck: PASS/);
  });

  it("a job given GPU 0: another job's process on GPU 1 is not judged; the same process on the job's own GPU fails", async () => {
    const other = await prolog({ ...busyPair('python'), SLURM_JOB_ID: '102', SLURM_JOB_GPUS: '0' });
    expect(other.status, other.stdout + other.stderr).toBe(0);
    expect(other.verdict('gpu-processes')).toMatchObject({ status: 'pass', reason: 'GPU: no other compute process' });
    expect(other.report?.probe.health.map((gpu) => gpu.checks['gpu-processes']?.status ?? null)).toEqual(['pass', null]);
    const own = await prolog({ ...busyPair('python'), SLURM_JOB_ID: '103', SLURM_JOB_GPUS: '1' });
    expect(own.status, own.stdout + own.stderr).toBe(1);
    expect(own.lastLine).toMatch(/^mlcheck: FAIL gpu-processes: GPU 1 \(0000:08:00\.0, GPU-90a1b2c3-[^)]*\): 1 other compute process on it: PID 4242 python/);
  });

  it("an MPS server on the job's GPU is infrastructure: named, never failed", async () => {
    const run = await prolog({ ...busyPair('nvidia-cuda-mps-server'), SLURM_JOB_ID: '104', SLURM_JOB_GPUS: '1' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.verdict('gpu-processes')).toMatchObject({
      status: 'pass',
      reason: 'GPU: no other compute process; the MPS daemon PID 4242 nvidia-cuda-mps (1.0 GiB) is infrastructure, not a job',
    });
  });
});

describe("the job's GPUs by PCI address and UUID, never by count", () => {
  it('8 GPUs on PCI, 4 answering, SLURM_JOB_GPUS=5: the prolog fails gpu-count naming the job\'s GPU 0000:06:00.0', async () => {
    const run = await prolog({
      MLCHECK_FAKE_GPUS: 'a100x4',
      MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(1, 8)),
      MLCHECK_PROCFS_ROOT: fakeProcfs(MODULE, { gpus: nvidiaGpusFrom(1, 8).map((d, minor) => ({ address: d.address, minor })) }),
      SLURM_JOB_ID: '105',
      SLURM_JOB_GPUS: '5',
    });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.verdict('gpu-driver')?.status).toBe('pass');
    expect(run.lastLine).toMatch(/^mlcheck: FAIL gpu-count: the job was given 1 GPU \(SLURM_JOB_GPUS=5\), but the driver shows 0 of them; missing: GPU 5 \(0000:06:00\.0\)/);
  });

  // Mixed models (K40c 04, P100 3b, A100 86, H100 af): CUDA numbers them fastest first, so
  // CUDA_VISIBLE_DEVICES=2 alone is the P100, which another job uses. The job's device 2 is the A100.
  const mixedNode = () => ({
    MLCHECK_FAKE_GPUS: 'mixed-models',
    MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusOnBuses([0x04, 0x3b, 0x86, 0xaf])),
    MLCHECK_PROCFS_ROOT: fakeProcfs(MODULE, { gpus: nvidiaGpusOnBuses([0x04, 0x3b, 0x86, 0xaf]).map((d, minor) => ({ address: d.address, minor })), processes: { 4242: 'python' } }),
  });

  it("on a node of mixed models the prolog checks the job's own GPU and shows the cases its UUID under CUDA_DEVICE_ORDER=PCI_BUS_ID", async () => {
    const run = await prolog({ ...mixedNode(), SLURM_JOB_ID: '106', SLURM_JOB_GPUS: '2' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.report?.probe.jobScope).toMatchObject({ source: 'SLURM_JOB_GPUS', gpus: [{ name: '2', pciBusId: '0000:86:00.0', uuid: A100_UUID }], cudaVisibleDevices: A100_UUID });
    expect(run.verdict('gpu-count')).toMatchObject({ status: 'pass', reason: expect.stringContaining(`GPU 2 (0000:86:00.0, ${A100_UUID}) answers through the driver`) });
    expect(run.verdict('gpu-processes')).toMatchObject({ status: 'pass', reason: 'GPU: no other compute process' });
    // The P100 and H100 of other jobs are reported, not judged.
    const judged = run.report?.probe.health.filter((gpu) => gpu.checks['gpu-processes'] !== undefined).map((gpu) => gpu.pciBusId);
    expect(judged).toEqual(['0000:86:00.0']);
    expect(run.stderr).toContain(`CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=${A100_UUID}`);
  });

  it("the case processes run with the job's UUID and CUDA_DEVICE_ORDER=PCI_BUS_ID", async () => {
    // A stand-in interpreter that records what each python process of the run was given.
    const log = path.join(work, 'python-env.log');
    const python = path.join(work, 'python3');
    const script = [
      '#!/bin/sh',
      `printf 'CUDA_VISIBLE_DEVICES=%s CUDA_DEVICE_ORDER=%s %s\\n' "\${CUDA_VISIBLE_DEVICES-unset}" "\${CUDA_DEVICE_ORDER-unset}" "$(printf '%s ' "$@" | tr '\\n' ' ')" >> '${log}'`,
      'exec /usr/bin/python3 "$@"',
    ];
    writeFileSync(python, `${script.join('\n')}\n`);
    chmodSync(python, 0o755);
    await mlcheck(['run', 'hello', '--profile', 'smoke', '--engine', 'python', '--python', python, '--out', path.join(work, 'python-run')], { ...mixedNode(), SLURM_JOB_GPUS: '2' });
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const caseRun = lines.filter((line) => line.includes('kits/python/host.py'));
    expect(caseRun.length, lines.join('\n')).toBeGreaterThan(0);
    for (const line of caseRun) expect(line).toMatch(new RegExp(`^CUDA_VISIBLE_DEVICES=${A100_UUID} CUDA_DEVICE_ORDER=PCI_BUS_ID `));
    // Nothing ever ran with another GPU in view.
    for (const line of lines) expect(line).toMatch(new RegExp(`^CUDA_VISIBLE_DEVICES=(unset|${A100_UUID}) `));
  });
});

describe('a job given no GPUs on a GPU node: CUDA_ERROR_NO_DEVICE is expected', () => {
  const hiddenNode = (devRoot: string) => ({
    MLCHECK_FAKE_GPUS: 'cuinit-100',
    MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 2)),
    MLCHECK_PROCFS_ROOT: fakeProcfs(MODULE),
    MLCHECK_DEV_ROOT: devRoot,
  });

  it('its device cgroup refuses every /dev/nvidiaN: the smoke run passes on the CPU, an installed CUDA package included', async () => {
    const run = await mlcheck(['run', '--profile', 'smoke', '--out', path.join(work, 'cgroup-run')], {
      ...hiddenNode(fakeDeviceFiles([0, 1], [0, 1])),
      DPKG_ADMINDIR: fakeDpkgDatabase([{ name: 'cm-pytorch-py37-cuda10.1-gcc' }]),
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.lastLine).toMatch(/^mlcheck: PASS/);
    expect(run.report?.probe.jobScope).toMatchObject({ source: 'device cgroup', count: 0 });
    expect(run.verdict('gpu-driver')).toMatchObject({
      status: 'skip',
      reason: expect.stringContaining('the job was given no GPU (its device cgroup opens no /dev/nvidiaN), so cuInit answers as expected: libcuda.so.1: cuInit: CUDA_ERROR_NO_DEVICE (100)'),
    });
    expect(run.verdict('cm-pytorch-py37-cuda10.1-gcc')?.status).toBe('skip');
    expect(run.report?.cases.map((c) => [`${c.id}/${c.backend}`, c.outcome])).toEqual([
      ['hello/tfjs/wasm', 'pass'],
      ['hello/onnx/cpu', 'pass'],
    ]);
  });

  it('the same NO_DEVICE where the device files open (no job hides the GPUs) still fails gpu-driver', async () => {
    const run = await mlcheck(['probe', '--require', 'gpu-driver'], hiddenNode(fakeDeviceFiles([0, 1], [])));
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/gpu-driver +FAIL +2 NVIDIA GPUs on PCI .*CUDA_ERROR_NO_DEVICE \(100\)/);
  });

  it("Slurm's CUDA_VISIBLE_DEVICES=NoDevFiles: the driver answers NO_DEVICE and no GPU verdict fails", async () => {
    const run = await mlcheck(['probe', '--json'], {
      MLCHECK_FAKE_GPUS: 'modern',
      MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 2)),
      MLCHECK_PROCFS_ROOT: fakeProcfs(MODULE),
      SLURM_JOB_ID: '107',
      CUDA_VISIBLE_DEVICES: 'NoDevFiles',
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
    expect(snapshot.gpuError).toBe('libcuda.so.1: cuInit: CUDA_ERROR_NO_DEVICE (100)');
    expect(snapshot.jobScope).toMatchObject({ source: 'CUDA_VISIBLE_DEVICES', value: 'NoDevFiles', count: 0 });
    expect(snapshot.verdicts.find((v) => v.subject === 'gpu-driver')).toMatchObject({ status: 'skip', reason: expect.stringContaining('the job was given no GPU (CUDA_VISIBLE_DEVICES=NoDevFiles)') });
    for (const verdict of snapshot.verdicts.filter((v) => v.appliesToNode)) expect(verdict.status, verdict.subject).not.toBe('fail');
  });
});
