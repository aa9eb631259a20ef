/**
 * The GPU health verdicts (issue 13) against the fake NVIDIA driver: every row of the table fails
 * (or warns) on a scenario with that fault on GPU 1 and passes on a healthy node, through a child
 * `mlcheck probe --json` that dlopens test/fake-nvidia's libraries. NOT_SUPPORTED, an NVML
 * function that answers FUNCTION_NOT_FOUND and a driver library without the function all skip.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeSnapshot, Verdict } from '../src/probe/index.js';
import { HEALTH_CHECKS } from '../src/probe/index.js';
import { schemaProblems } from '../src/util/schema-check.js';
import { buildFakeDrivers, runProbe, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeProcfs, fakeSysfs, kernelLogFixture, nvidiaGpusFrom } from './helpers/fake-node.js';

let dirs: FakeDriverDirs;
let node: Record<string, string | undefined>;
beforeAll(() => {
  dirs = buildFakeDrivers();
  node = {
    CUDA_VISIBLE_DEVICES: undefined,
    SLURM_JOB_GPUS: undefined,
    SLURM_STEP_GPUS: undefined,
    NVIDIA_VISIBLE_DEVICES: undefined,
    MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 2)),
    MLCHECK_PROCFS_ROOT: fakeProcfs('550.54.15'),
    MLCHECK_KMSG: kernelLogFixture('no-xid.log'),
  };
});
afterAll(() => {
  if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
});

const NVML_CHECKS = ['gpu-ecc', 'gpu-memory', 'gpu-pcie', 'gpu-clocks', 'gpu-inforom', 'gpu-persistence'] as const;
/** GPU 1 of the fake pair: the H100 at 08:00.0 (UUID from its seed 0x90). */
const GPU1 = 'GPU 1 (0000:08:00.0, GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f)';

function probe(scenario: string, options: { libraries?: () => string; args?: string[]; env?: Record<string, string | undefined> } = {}) {
  const run = runProbe(['--json', ...(options.args ?? [])], { ...node, LD_LIBRARY_PATH: (options.libraries ?? (() => dirs.both))(), MLCHECK_FAKE_GPUS: scenario, ...options.env });
  let snapshot: ProbeSnapshot;
  try {
    snapshot = JSON.parse(run.stdout) as ProbeSnapshot;
  } catch {
    throw new Error(`probe printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  const verdict = (subject: string): Verdict => {
    const found = snapshot.verdicts.find((v) => v.subject === subject);
    if (found === undefined) throw new Error(`no verdict ${subject} in ${snapshot.verdicts.map((v) => v.subject).join(', ')}`);
    return found;
  };
  return { code: run.code, stderr: run.stderr, snapshot, verdict };
}

describe('a healthy node passes every health check', () => {
  it('A100 + H100: every health verdict passes, decides the node, and the JSON matches schema/probe-health.schema.json', () => {
    const requireAll = HEALTH_CHECKS.filter((check) => check !== 'gpu-processes').flatMap((check) => ['--require', check]);
    const { code, snapshot, verdict, stderr } = probe('healthy', { args: [...requireAll, '--strict'] });
    expect(snapshot.schemaVersion).toBe(5);
    expect(snapshot.verdicts.map((v) => v.subject).slice(0, 10)).toEqual(['gpu-driver', 'gpu-count', 'gpu-ecc', 'gpu-memory', 'gpu-pcie', 'gpu-clocks', 'gpu-inforom', 'gpu-xid', 'gpu-driver-compat', 'gpu-persistence']);
    for (const check of HEALTH_CHECKS.filter((c) => c !== 'gpu-processes')) expect(verdict(check), check).toMatchObject({ kind: 'gpu', status: 'pass', fix: null, appliesToNode: true });
    expect(snapshot.verdicts.some((v) => v.subject === 'gpu-processes')).toBe(false);
    expect(code, stderr).toBe(0);
    expect(snapshot.health.map((gpu) => [gpu.index, gpu.pciBusId, gpu.uuid])).toEqual([
      [0, '0000:07:00.0', 'GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f'],
      [1, '0000:08:00.0', 'GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f'],
    ]);
    expect(snapshot.health[1]).toMatchObject({
      ecc: { supported: true, enabled: true, pendingEnabled: true, volatileUncorrected: 0, aggregateUncorrected: 0 },
      retiredPages: { singleBit: null, doubleBit: null, pending: null },
      remappedRows: { correctable: 0, uncorrectable: 0, pending: false, failure: false },
      pcie: { generation: { current: 5, busy: null, max: 5 }, width: { current: 16, busy: null, max: 16 }, busyNote: null },
      clocks: { reasons: 1, held: 1, active: ['GPU idle'] },
      inforom: { valid: true },
      persistenceMode: true,
      xids: [],
      processes: [],
    });
    expect(snapshot.kernelLog).toEqual({ source: `MLCHECK_KMSG=${kernelLogFixture('no-xid.log')}`, error: null, xids: [] });
    expect(schemaProblems('probe-health', snapshot)).toEqual([]);
  });

  it('a V100 pair passes gpu-memory on its retired pages (no row remapper before Ampere)', () => {
    const { verdict, snapshot } = probe('v100');
    expect(verdict('gpu-memory')).toMatchObject({ status: 'pass', reason: 'all 2 GPUs: 0 retired pages, none pending or failed' });
    expect(snapshot.health[0]?.unsupported).toMatchObject({ nvmlDeviceGetRemappedRows: 'NVML_ERROR_NOT_SUPPORTED' });
  });

  it('a link that idles at gen1 passes once re-read while mlcheck keeps the GPU busy', () => {
    const { verdict, snapshot } = probe('pcie-idle');
    expect(snapshot.health[1]?.pcie).toEqual({ generation: { current: 1, busy: 5, max: 5 }, width: { current: 16, busy: 16, max: 16 }, busyNote: null });
    expect(verdict('gpu-pcie')).toMatchObject({ status: 'pass', reason: 'GPU 0: PCIe gen4 x16, its maximum; GPU 1: PCIe gen5 x16, its maximum (reached under load; idle gen1 x16)' });
  });
});

describe('every row of the table: the fault fails (or warns) and names the GPU', () => {
  const rows: Array<[check: (typeof NVML_CHECKS)[number], scenario: string, status: 'fail' | 'warn', detail: RegExp]> = [
    ['gpu-ecc', 'ecc-volatile', 'fail', /: 3 volatile uncorrectable ECC errors since the driver loaded; 1 other GPU passes$/],
    ['gpu-ecc', 'ecc-aggregate', 'warn', /: 5 uncorrectable ECC errors in its lifetime \(aggregate\)/],
    ['gpu-ecc', 'ecc-disabled', 'warn', /: ECC is disabled although the GPU supports it/],
    ['gpu-ecc', 'ecc-pending', 'warn', /: an ECC mode change is pending \(on -> off at the next reset\)/],
    ['gpu-memory', 'retired-pending', 'fail', /: retired pages are pending \(a GPU reset or reboot retires them\)/],
    ['gpu-memory', 'remap-pending', 'fail', /: a row remapping is pending \(a GPU reset applies it\) after 1 uncorrectable error/],
    ['gpu-memory', 'remap-failure', 'fail', /: a row remapping failed \(NVIDIA's RMA criterion\)/],
    ['gpu-memory', 'retired-pages', 'warn', /: 16 retired pages \(10 for single-bit, 6 for double-bit errors; warn from 15\)/],
    ['gpu-memory', 'remapped-rows', 'warn', /: 70 remapped rows \(70 correctable, 0 uncorrectable; warn from 64\)/],
    ['gpu-pcie', 'pcie-width', 'fail', /: PCIe link at x8 of x16 while busy \(gen5 x8, max gen5 x16\)/],
    ['gpu-pcie', 'pcie-gen', 'warn', /: PCIe link at gen4 of gen5 while busy \(idle gen1 x16, max gen5 x16\)/],
    ['gpu-clocks', 'hw-slowdown', 'fail', /: HW slowdown active: clocks cut by half or more/],
    ['gpu-clocks', 'hw-thermal', 'fail', /: HW thermal slowdown active/],
    ['gpu-clocks', 'power-brake', 'fail', /: HW power brake slowdown active/],
    ['gpu-clocks', 'sw-thermal', 'warn', /: SW thermal slowdown active: the GPU is too hot/],
    ['gpu-inforom', 'inforom', 'fail', /: nvmlDeviceValidateInforom: NVML_ERROR_CORRUPTED_INFOROM/],
    ['gpu-persistence', 'no-persistence', 'warn', /: persistence mode is off/],
  ];

  it.each(rows)('%s %s: %s', (check, scenario, status, detail) => {
    const gpu = scenario.startsWith('retired') ? 'GPU 1 (0000:08:00.0, GPU-71829' : GPU1;
    const { code, verdict, snapshot } = probe(scenario, { args: ['--require', check] });
    const found = verdict(check);
    expect(found.status).toBe(status);
    expect(found.reason.startsWith(gpu), found.reason).toBe(true);
    expect(found.reason).toMatch(detail);
    expect(found.fix).toEqual(expect.any(String));
    expect(snapshot.health[1]?.checks[check]?.status).toBe(status);
    expect(snapshot.health[0]?.checks[check]?.status).toBe('pass');
    // Only this check notices the fault.
    for (const other of NVML_CHECKS.filter((c) => c !== check)) expect(verdict(other).status, other).toBe('pass');
    expect(code).toBe(status === 'fail' ? 1 : 0);
  });

  it('an idle link below its maximum that cannot be loaded (no CUDA context) is not judged on the idle reading', () => {
    const { verdict, snapshot } = probe('pcie-idle-no-context');
    expect(snapshot.health[1]?.pcie.busyNote).toBe('libcuda.so.1: cuCtxCreate_v2: CUDA_ERROR_DEVICE_UNAVAILABLE (46)');
    expect(verdict('gpu-pcie')).toMatchObject({ status: 'skip', reason: expect.stringContaining('gen1 of gen5 while idle (links idle down to save power), and it could not be re-read under load: libcuda.so.1: cuCtxCreate_v2') });
  });

  it('a driver before R535 is read through nvmlDeviceGetCurrentClocksThrottleReasons', () => {
    const { verdict, snapshot } = probe('power-brake', { libraries: () => dirs.nvmlBeforeR535 });
    expect(snapshot.missingSymbols.nvml).toEqual([]);
    expect(verdict('gpu-clocks')).toMatchObject({ status: 'fail', reason: expect.stringContaining('HW power brake slowdown active') });
  });
});

describe('what NVML cannot tell is skipped, never failed', () => {
  it('NVML_ERROR_NOT_SUPPORTED from every health query (a GPU without ECC): skip with the code', () => {
    const { verdict, code } = probe('not-supported', { args: ['--require', 'gpu-driver'] });
    expect(verdict('gpu-ecc')).toMatchObject({ status: 'skip', reason: expect.stringContaining('this GPU has no ECC (nvmlDeviceGetEccMode: NVML_ERROR_NOT_SUPPORTED for this GPU)') });
    for (const check of NVML_CHECKS) {
      expect(verdict(check).status, check).toBe('skip');
      expect(verdict(check).reason, check).toContain('NVML_ERROR_NOT_SUPPORTED');
    }
    expect(verdict('gpu-xid').status).toBe('pass');
    expect(code).toBe(0);
  });

  it('NVML_ERROR_FUNCTION_NOT_FOUND from the health queries: skip with the code', () => {
    const { verdict } = probe('function-not-found');
    for (const check of NVML_CHECKS) {
      expect(verdict(check).status, check).toBe('skip');
      expect(verdict(check).reason, check).toContain('NVML_ERROR_FUNCTION_NOT_FOUND');
    }
  });

  it('a libnvidia-ml.so.1 without the health functions: those checks skip naming the function, the rest still judge', () => {
    const { verdict, snapshot } = probe('ecc-volatile', { libraries: () => dirs.nvmlNoHealth });
    expect(snapshot.missingSymbols.nvml).toEqual([
      'nvmlDeviceGetRetiredPages',
      'nvmlDeviceGetRetiredPagesPendingStatus',
      'nvmlDeviceGetRemappedRows',
      'nvmlDeviceGetCurrentClocksEventReasons',
      'nvmlDeviceValidateInforom',
      'nvmlDeviceGetComputeRunningProcesses',
    ]);
    expect(verdict('gpu-memory')).toMatchObject({ status: 'skip', reason: expect.stringContaining('libnvidia-ml.so.1 lacks nvmlDeviceGetRetiredPages and nvmlDeviceGetRetiredPagesPendingStatus and nvmlDeviceGetRemappedRows (NVML_ERROR_FUNCTION_NOT_FOUND') });
    expect(verdict('gpu-clocks')).toMatchObject({ status: 'skip', reason: expect.stringContaining('lacks nvmlDeviceGetCurrentClocksEventReasons (NVML_ERROR_FUNCTION_NOT_FOUND') });
    expect(verdict('gpu-inforom')).toMatchObject({ status: 'skip', reason: expect.stringContaining('lacks nvmlDeviceValidateInforom') });
    expect(verdict('gpu-ecc').status).toBe('fail');
    expect(verdict('gpu-pcie').status).toBe('pass');
  });

  it('no libnvidia-ml.so.1: the NVML checks skip, the node is not failed by them', () => {
    const { verdict } = probe('ecc-volatile', { libraries: () => dirs.cudaOnly });
    for (const check of NVML_CHECKS) expect(verdict(check), check).toMatchObject({ status: 'skip', reason: expect.stringContaining('NVML is unusable: libnvidia-ml.so.1 not found') });
  });

  it('GPUs on PCI but no driver: the NVML checks skip (gpu-driver fails the node), the kernel log is still read', () => {
    const { verdict, snapshot } = probe('modern', { libraries: () => dirs.empty, env: { MLCHECK_KMSG: kernelLogFixture('xids-dmesg.log') } });
    expect(verdict('gpu-driver').status).toBe('fail');
    for (const check of NVML_CHECKS) expect(verdict(check), check).toMatchObject({ status: 'skip', reason: expect.stringContaining('no GPU answers through the driver (see gpu-driver): libcuda.so.1 not found') });
    expect(snapshot.kernelLog.xids.map((xid) => xid.code)).toEqual([13, 13, 31, 79, 154]);
    expect(verdict('gpu-xid')).toMatchObject({ status: 'fail', reason: expect.stringContaining('PCI 0000:41:00, GPU-0b11d014-1685-04bd-26ed-5fc0bc1c44ae, a GPU the driver does not show now: Xid 79 x1 (GPU has fallen off the bus; NVIDIA: RESTART_BM)') });
  });

  it('libcuda.so.1 missing while NVML answers: its GPUs are still judged from NVML', () => {
    const { verdict } = probe('ecc-volatile', { libraries: () => dirs.nvmlOnly });
    expect(verdict('gpu-driver').status).toBe('fail');
    // NVML numbers the GPUs in its own order: the faulty H100 is its index 0.
    expect(verdict('gpu-ecc')).toMatchObject({ status: 'fail', reason: 'GPU 0 (0000:08:00.0, GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f): 3 volatile uncorrectable ECC errors since the driver loaded; 1 other GPU passes' });
  });

  it('a CPU node gets no health verdicts and its kernel log is not read', () => {
    const { snapshot } = probe('modern', { libraries: () => dirs.empty, env: { MLCHECK_SYSFS_ROOT: fakeSysfs([]) } });
    expect(snapshot.verdicts.map((v) => v.subject)).toEqual(['gpu-driver', 'gpu-count', 'cuda', 'gcc', 'gcc8', 'memory']);
    expect(snapshot.health).toEqual([]);
    expect(snapshot.kernelLog).toEqual({ source: null, error: null, xids: [] });
  });
});
