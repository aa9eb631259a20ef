/**
 * Whole nodes against the fake driver: a healthy DGX-like node with eight H100 passes with no
 * warning (no false drain), in `mlcheck probe` and in `mlcheck run`; the same node with three
 * faults at once fails on each, in the console, the exit code and the Prometheus textfile.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_CHECKS, type ProbeSnapshot } from '../src/probe/index.js';
import { buildFakeDrivers, runProbe, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeDpkgDatabase, fakeProcfs, fakeSysfs, kernelLogFixture, nvidiaGpusOnBuses } from './helpers/fake-node.js';
import { cliPath } from './helpers/paths.js';

const H100_BUSES = [0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb];
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

let dirs: FakeDriverDirs;
let node: (scenario: string) => Record<string, string | undefined>;
beforeAll(() => {
  dirs = buildFakeDrivers();
  const sysfs = fakeSysfs(nvidiaGpusOnBuses(H100_BUSES));
  const procfs = fakeProcfs('550.54.15');
  node = (scenario) => ({
    CUDA_VISIBLE_DEVICES: undefined,
    SLURM_JOB_GPUS: undefined,
    SLURM_STEP_GPUS: undefined,
    NVIDIA_VISIBLE_DEVICES: undefined,
    LD_LIBRARY_PATH: dirs.both,
    MLCHECK_FAKE_GPUS: scenario,
    MLCHECK_SYSFS_ROOT: sysfs,
    MLCHECK_PROCFS_ROOT: procfs,
    MLCHECK_KMSG: kernelLogFixture('no-xid.log'),
    DPKG_ADMINDIR: fakeDpkgDatabase([]),
  });
});
afterAll(() => {
  if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
});

const requireEveryGpuCheck = ['gpu-driver', 'gpu-count', ...HEALTH_CHECKS.filter((check) => check !== 'gpu-processes')].flatMap((check) => ['--require', check]);

function mlcheckRun(scenario: string, args: string[]) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-health-run-'));
  const prom = path.join(out, 'mlcheck.prom');
  const result = spawnSync(process.execPath, [cliPath, 'run', 'hello', '--engine', 'tfjs', '--backend', 'wasm', '--out', path.join(out, 'run'), '--prom', prom, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...node(scenario) },
    timeout: 180_000,
  });
  return { status: result.status, stdout: result.stdout, output: result.stdout + result.stderr, prom: readFileSync(prom, 'utf8') };
}

describe('a healthy fake node with eight H100 (no false drain)', () => {
  it('mlcheck probe: every GPU verdict passes, none warns, and requiring them all with --strict exits 0', () => {
    const run = runProbe(['--json', ...requireEveryGpuCheck, '--strict'], node('h100x8'));
    const snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
    expect(run.code, run.stderr).toBe(0);
    const gpuVerdicts = snapshot.verdicts.filter((v) => v.kind === 'gpu');
    expect(gpuVerdicts.map((v) => v.subject)).toEqual(['gpu-driver', 'gpu-count', ...HEALTH_CHECKS.filter((check) => check !== 'gpu-processes')]);
    for (const verdict of gpuVerdicts) expect(verdict, verdict.subject).toMatchObject({ status: 'pass', fix: null, appliesToNode: true });
    expect(snapshot.verdicts.find((v) => v.subject === 'gpu-count')?.reason).toBe('8 GPUs answer through the driver, 8 on PCI');
    expect(snapshot.health).toHaveLength(8);
    for (const gpu of snapshot.health) for (const [check, finding] of Object.entries(gpu.checks)) expect(finding.status, `GPU ${gpu.index} ${check}`).toBe('pass');
    expect(snapshot.verdicts.find((v) => v.subject === 'cuda')?.status).toBe('pass');
  });

  it('mlcheck run: the node verdicts all pass and a case on the CPU backend passes the run', () => {
    const run = mlcheckRun('h100x8', []);
    expect(run.status, run.output).toBe(0);
    expect(run.stdout).toMatch(/^node: all 10 verdicts pass$/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^mlcheck: PASS 1 case$/);
    expect(run.prom).toMatch(/^mlcheck_gpu_health_check\{gpu="0",uuid="GPU-a0b1c2d3-e4f5-0617-2839-4a5b6c7d8e9f",pci="0000:18:00\.0",check="gpu-ecc",status="pass"\} 1$/m);
    expect(run.prom).not.toMatch(/^mlcheck_gpu_health_check\{[^}]*status="(fail|warn)"\} 1$/m);
  });
});

describe('the same node with three faults at once: GPU 2 uncorrectable ECC, GPU 5 at x8, GPU 7 power brake', () => {
  it('mlcheck probe prints the health table and one failing verdict per fault, and exits 1', () => {
    const run = runProbe(requireEveryGpuCheck, node('h100x8-faulty'));
    expect(run.code).toBe(1);
    const health = run.stdout.slice(run.stdout.indexOf('GPU health'), run.stdout.indexOf('Kernel  '));
    expect(health).toMatch(/^ {2}2 {2}0000:3a:00\.0 {2}4\/4 FAIL /m);
    expect(health).toMatch(/^ {2}5 {2}0000:ab:00\.0 .* gen5 x8 idle, gen5 x8 busy, of gen5 x16 FAIL /m);
    expect(health).toMatch(/^ {2}7 {2}0000:db:00\.0 .* HW power brake slowdown FAIL /m);
    expect(run.stdout).toMatch(/^gpu-ecc +FAIL +GPU 2 \(0000:3a:00\.0, GPU-a2b3c4d5-e6f7-0819-2a3b-4c5d6e7f90a1\): 4 volatile uncorrectable ECC errors since the driver loaded; 7 other GPUs pass$/m);
    expect(run.stdout).toMatch(/^gpu-pcie +FAIL +GPU 5 \(0000:ab:00\.0, GPU-a5b6c7d8-e9fa-0b1c-2d3e-4f60718293a4\): PCIe link at x8 of x16 while busy/m);
    expect(run.stdout).toMatch(/^gpu-clocks +FAIL +GPU 7 \(0000:db:00\.0, GPU-a7b8c9da-ebfc-0d1e-2f40-5162738495a6\): HW power brake slowdown active/m);
    for (const subject of ['gpu-driver', 'gpu-count', 'gpu-memory', 'gpu-inforom', 'gpu-xid', 'gpu-driver-compat', 'gpu-persistence']) expect(run.stdout).toMatch(new RegExp(`^${subject} +PASS `, 'm'));
    expect(run.stderr).toContain('mlcheck probe: required gpu-ecc is fail');
  });

  it('mlcheck run fails the node on the first of them and writes the per-GPU series', () => {
    const run = mlcheckRun('h100x8-faulty', []);
    expect(run.status, run.output).toBe(1);
    expect(run.stdout).toMatch(/^node: gpu-ecc fail, gpu-pcie fail, gpu-clocks fail, 7 more pass$/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^mlcheck: FAIL gpu-ecc: GPU 2 \(0000:3a:00\.0, /);
    const gpu = (index: number, uuid: string, bus: string) => `gpu="${index}",uuid="${uuid}",pci="0000:${bus}:00.0"`;
    expect(run.prom).toContain(`mlcheck_gpu_ecc_uncorrected_errors{${gpu(2, 'GPU-a2b3c4d5-e6f7-0819-2a3b-4c5d6e7f90a1', '3a')},counter="volatile"} 4`);
    expect(run.prom).toContain(`mlcheck_gpu_pcie_link_width{${gpu(5, 'GPU-a5b6c7d8-e9fa-0b1c-2d3e-4f60718293a4', 'ab')},state="busy"} 8`);
    expect(run.prom).toContain(`mlcheck_gpu_pcie_link_width{${gpu(5, 'GPU-a5b6c7d8-e9fa-0b1c-2d3e-4f60718293a4', 'ab')},state="max"} 16`);
    expect(run.prom).toContain(`mlcheck_gpu_clocks_event_reasons{${gpu(7, 'GPU-a7b8c9da-ebfc-0d1e-2f40-5162738495a6', 'db')}} 128`);
    expect(run.prom).toContain(`mlcheck_gpu_health_check{${gpu(7, 'GPU-a7b8c9da-ebfc-0d1e-2f40-5162738495a6', 'db')},check="gpu-clocks",status="fail"} 1`);
    expect(run.prom).toContain('mlcheck_probe_verdict{subject="gpu-pcie",status="fail"} 1');
  });

  it.skipIf(!hasPromtool)('mlcheck probe --prom writes a textfile that passes `promtool check metrics`', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-probe-prom-')), 'probe.prom');
    runProbe(['--prom', file], node('h100x8-faulty'));
    const check = spawnSync('promtool', ['check', 'metrics'], { input: readFileSync(file, 'utf8'), encoding: 'utf8' });
    expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: '' });
  });
});
