/**
 * `mlcheck run` decides the node, not only its cases: a GPU node whose driver fails never passes
 * on the CPU, --strict turns every skipped planned case into a failure, and an installed ML
 * package that the hardware cannot run fails the node. The GPU side runs against the fake
 * NVIDIA driver (dlopen'd through LD_LIBRARY_PATH), a stand-in /sys and /proc, and a real
 * dpkg-query reading a stand-in database.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeDpkgDatabase, fakeProcfs, fakeSysfs, kernelLogFixture, nvidiaGpusFrom } from './helpers/fake-node.js';
import { cliPath, sharedDataDir } from './helpers/paths.js';
import { runNode } from './helpers/run-process.js';

let dirs: FakeDriverDirs;
beforeAll(() => {
  dirs = buildFakeDrivers();
});
afterAll(() => {
  if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  lastLine: string;
  report: { probe: { verdicts: Array<{ subject: string; status: string; appliesToNode: boolean }> } | null; cases: Array<{ id: string; outcome: string; reason: string | null }> };
  output: string;
}

const NO_JOB = { CUDA_VISIBLE_DEVICES: undefined, SLURM_JOB_GPUS: undefined, SLURM_STEP_GPUS: undefined, NVIDIA_VISIBLE_DEVICES: undefined };

async function run(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-node-verdicts-'));
  const result = await runNode(cliPath, ['run', ...args, '--out', outDir], {
    env: { ...process.env, ...NO_JOB, DPKG_ADMINDIR: fakeDpkgDatabase([]), ...env },
    timeoutMs: 180_000,
  });
  const reportFile = path.join(outDir, 'report.json');
  // Bad usage (exit 2) stops before any report is written.
  const report = (existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : { probe: null, cases: [] }) as Run['report'];
  return { status: result.status, lastLine: result.stdout.trimEnd().split('\n').at(-1) ?? '', report, output: result.stdout + result.stderr };
}

const gpuNode = (scenario: string, libraries: () => string, pciGpus = 2, module: string | null = '550.54.15'): Record<string, string> => ({
  LD_LIBRARY_PATH: libraries(),
  MLCHECK_FAKE_GPUS: scenario,
  MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, pciGpus)),
  MLCHECK_PROCFS_ROOT: fakeProcfs(module),
});

describe('a GPU node never passes on the CPU', () => {
  it('a failing cuInit (999) fails the run, and the last line names gpu-driver', async () => {
    const result = await run(['hello', 'iris', '--data-dir', sharedDataDir], gpuNode('cuinit-999', () => dirs.both));
    expect(result.status, result.output).toBe(1);
    expect(result.lastLine).toMatch(/^mlcheck: FAIL gpu-driver: 2 NVIDIA GPUs on PCI .* cuInit: CUDA_ERROR_UNKNOWN \(999\)/);
    // Its engines were planned on their GPU backends, not quietly on wasm or the CPU.
    expect(result.report.cases.map((c) => c.id)).toEqual(['hello/tfjs/tensorflow-gpu', 'hello/onnx/cuda', 'iris/tfjs/tensorflow-gpu']);
  });

  it.each([
    ['the kernel module is not loaded', () => gpuNode('modern', () => dirs.both, 2, null), /nvidia kernel module is not loaded/],
    ['libcuda.so.1 is missing', () => gpuNode('modern', () => dirs.empty), /libcuda\.so\.1 not found/],
  ])('fails when %s', async (_what, env, reason) => {
    const result = await run(['hello'], env());
    expect(result.status, result.output).toBe(1);
    expect(result.lastLine).toMatch(/^mlcheck: FAIL gpu-driver: /);
    expect(result.lastLine).toMatch(reason);
  });

  it('a GPU that fell off the bus fails gpu-count with its PCI address', async () => {
    const result = await run(['hello'], gpuNode('modern', () => dirs.both, 3));
    expect(result.status, result.output).toBe(1);
    expect(result.lastLine).toMatch(/^mlcheck: FAIL gpu-count: 2 of 3 NVIDIA GPUs on PCI answer through the driver; missing: 0000:09:00\.0/);
  });

  it("a node class's expected GPU count (references/nodes.yaml) fails a node that shows fewer", async () => {
    const references = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-nodes-')), 'nodes.yaml');
    writeFileSync(references, ['schemaVersion: 1', 'nodeClasses:', '  - id: dgx-test', "    match: { gpu: 'A100|H100' }", '    expect: { gpus: 4 }', ''].join('\n'));
    const result = await run(['hello', '--references', references], gpuNode('modern', () => dirs.both));
    expect(result.status, result.output).toBe(1);
    expect(result.lastLine).toMatch(/^mlcheck: FAIL gpu-count: the driver shows 2 GPUs, fewer than expected \(4 expected by node class dgx-test/);
    writeFileSync(references, ['schemaVersion: 1', 'nodeClasses:', '  - id: bad', "    match: { gpu: 'A100' }", '    expect: { gpus: two }', ''].join('\n'));
    const bad = await run(['hello', '--references', references], gpuNode('modern', () => dirs.both));
    expect(bad.status).toBe(2);
    expect(bad.output).toContain('nodeClasses[0].expect.gpus');
  });

  it("a node that differs from its class's GPU model, memory, driver or MIG mode fails node-class, naming both values", async () => {
    const references = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-nodes-')), 'nodes.yaml');
    const nodeClass = (expect: string): void =>
      writeFileSync(references, ['schemaVersion: 1', 'nodeClasses:', '  - id: h100-node', "    match: { gpu: 'A100|H100' }", `    expect: ${expect}`, ''].join('\n'));
    // The fake "modern" node: an A100 40GB (GPU 0) and an H100 80GB (GPU 1), driver 550.54.15, MIG off.
    nodeClass("{ gpus: 2, gpuModel: 'H100', gpuMemoryGiB: 79, driver: '560.28', mig: true }");
    const result = await run(['hello', '--references', references], gpuNode('modern', () => dirs.both));
    expect(result.status, result.output).toBe(1);
    const verdict = result.report.probe?.verdicts.find((v) => v.subject === 'node-class') as { status: string; reason: string } | undefined;
    expect(verdict?.status).toBe('fail');
    expect(verdict?.reason).toContain('GPU 0 (0000:07:00.0) is NVIDIA A100-SXM4-40GB, expected /H100/');
    expect(verdict?.reason).toContain('GPU 0 (0000:07:00.0) has 39.6 GiB, expected >= 79 GiB');
    expect(verdict?.reason).toContain('driver 550.54.15, expected >= 560.28');
    expect(verdict?.reason).toContain('GPU 1 (0000:08:00.0) has MIG off, expected on');
    expect(result.lastLine).toMatch(/^mlcheck: FAIL node-class: node class h100-node/);
    nodeClass("{ gpus: 2, gpuModel: 'A100|H100', gpuMemoryGiB: 39, driver: '535.104', mig: false }");
    const matching = await run(['hello', '--references', references], gpuNode('modern', () => dirs.both));
    expect(matching.report.probe?.verdicts.find((v) => v.subject === 'node-class')?.status).toBe('pass');
  });

  it('a job given 1 of the node\'s GPUs is not failed by gpu-count', async () => {
    // GPU 2, the mixed node's A100 (its P100, GPU 1, has uncorrectable ECC errors and fails gpu-ecc).
    const result = await run(['hello'], { ...gpuNode('mixed', () => dirs.both, 8), CUDA_VISIBLE_DEVICES: '2' });
    const gpuCount = result.report.probe?.verdicts.find((v) => v.subject === 'gpu-count');
    expect(gpuCount?.status).toBe('pass');
    expect(result.status).not.toBe(1);
  });
});

describe('GPU health that was not read is never a pass (exit 3, naming the source and its fix)', () => {
  // A case on the CPU backend passes; only the node's GPU health can keep the run from passing.
  const cpuCase = ['hello', '--engine', 'tfjs', '--backend', 'wasm'];
  const readLog = { MLCHECK_KMSG: kernelLogFixture('no-xid.log') };

  it('without libnvidia-ml.so.1 a GPU with uncorrectable ECC errors is undecided, not passed; with NVML it fails', async () => {
    const unread = await run(cpuCase, { ...gpuNode('ecc-volatile', () => dirs.cudaOnly), ...readLog });
    expect(unread.status, unread.output).toBe(3);
    expect(unread.lastLine).toMatch(/^mlcheck: UNDECIDED GPU health not read: NVML could not be used: libnvidia-ml\.so\.1 not found.*; fix: install the NVIDIA driver's libnvidia-ml\.so\.1/);
    expect(unread.report.cases.map((c) => c.outcome)).toEqual(['pass']);
    const read = await run(cpuCase, { ...gpuNode('ecc-volatile', () => dirs.both), ...readLog });
    expect(read.status, read.output).toBe(1);
    expect(read.lastLine).toMatch(/^mlcheck: FAIL gpu-ecc: /);
  });

  it('an unreadable kernel log (no Xid could be seen) is undecided; a readable one passes', async () => {
    const unread = await run(cpuCase, { ...gpuNode('modern', () => dirs.both), MLCHECK_KMSG: path.join(os.tmpdir(), 'mlcheck-no-such-kmsg', 'kmsg') });
    expect(unread.status, unread.output).toBe(3);
    expect(unread.lastLine).toMatch(/^mlcheck: UNDECIDED GPU health not read: the kernel log could not be read .*; fix: run as root, or add the user to the systemd-journal group/);
    const read = await run(cpuCase, { ...gpuNode('modern', () => dirs.both), ...readLog });
    expect(read.status, read.output).toBe(0);
  });

  it('without the native addon the driver was never asked: undecided, naming the addon', async () => {
    const result = await run(cpuCase, { ...gpuNode('modern', () => dirs.both), ...readLog, MLCHECK_NATIVE_ADDON: path.join(os.tmpdir(), 'mlcheck-no-such-addon.node') });
    expect(result.status, result.output).toBe(3);
    expect(result.lastLine).toMatch(/^mlcheck: UNDECIDED GPU health not read: the NVIDIA driver was not asked: .*; fix: build the native addon: npm rebuild mlcheck/);
  });
});

describe('--strict is acceptance: a skipped planned case fails the run', () => {
  it('an H100 node without GPU backends: undecided (3) without --strict, failed (1) with it', async () => {
    const node = gpuNode('modern', () => dirs.both);
    const lenient = await run(['hello', 'iris', '--data-dir', sharedDataDir], node);
    expect(lenient.status, lenient.output).toBe(3);
    expect(lenient.report.cases.every((c) => c.outcome === 'skip')).toBe(true);
    const strict = await run(['hello', 'iris', '--data-dir', sharedDataDir, '--strict'], node);
    expect(strict.status, strict.output).toBe(1);
    expect(strict.lastLine).toMatch(/^mlcheck: FAIL hello\/tfjs .*tensorflow-gpu/);
  });

  it('data that is not staged fails an acceptance run', async () => {
    const emptyData = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-no-data-'));
    const env = { LD_LIBRARY_PATH: dirs.empty, MLCHECK_SYSFS_ROOT: fakeSysfs([]), MLCHECK_PROCFS_ROOT: fakeProcfs(null), XDG_CACHE_HOME: emptyData, MLCHECK_PACKAGE_DATA_DIR: '' };
    const strict = await run(['iris', '--data-dir', emptyData, '--strict'], env);
    expect(strict.status, strict.output).toBe(1);
    expect(strict.lastLine).toMatch(/^mlcheck: FAIL iris\/tfjs .*not staged/);
    expect((await run(['iris', '--data-dir', emptyData], env)).status).toBe(3);
  });
});

describe('ML packages installed on the node decide it', () => {
  const cpuNode = (packages: string[]) => ({
    LD_LIBRARY_PATH: dirs.empty,
    MLCHECK_SYSFS_ROOT: fakeSysfs([]),
    MLCHECK_PROCFS_ROOT: fakeProcfs(null),
    DPKG_ADMINDIR: fakeDpkgDatabase(packages.map((name) => ({ name }))),
  });

  it('a CUDA package installed on a node without GPUs fails the run (the manual\'s common mistake)', async () => {
    const result = await run(['hello', '--engine', 'tfjs'], cpuNode(['cm-pytorch-py37-cuda10.1-gcc', 'cm-setup']));
    expect(result.status, result.output).toBe(1);
    expect(result.lastLine).toMatch(/^mlcheck: FAIL cm-pytorch-py37-cuda10\.1-gcc: installed: .*CUDA packages on a node without GPUs/);
  });

  it('a CPU node with no ML packages is never failed by a rule family', async () => {
    const result = await run(['hello', '--engine', 'tfjs'], cpuNode(['cm-setup']));
    expect(result.status, result.output).toBe(0);
    const families = result.report.probe?.verdicts.filter((v) => ['cuda', 'gcc', 'gcc8', 'memory'].includes(v.subject)) ?? [];
    expect(families.length).toBe(4);
    expect(families.every((v) => v.appliesToNode === false)).toBe(true);
  });

  it('--require-package judges a package that is not installed', async () => {
    const result = await run(['hello', '--engine', 'tfjs', '--require-package', 'cm-tensorflow-py37-cuda10.1-gcc'], cpuNode([]));
    expect(result.status, result.output).toBe(1);
    expect(result.lastLine).toMatch(/^mlcheck: FAIL cm-tensorflow-py37-cuda10\.1-gcc: required: /);
  });
});
