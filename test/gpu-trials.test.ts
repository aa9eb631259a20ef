/**
 * Issue 17, findings 8 and 9, through the CLI on a fake GPU node: the fake NVIDIA driver makes
 * the GPUs visible (test/fake-nvidia), stand-in CUDA 12 libraries satisfy the static checks, and a
 * copy of onnxruntime-node whose bin folder holds stand-in provider libraries
 * (test/fake-ort-providers, MLCHECK_ONNXRUNTIME_NODE) makes ONNX Runtime's real provider bridge
 * load a CUDA provider that fails as a GPU with an uncorrectable ECC error does. Nothing of
 * mlcheck is replaced: the real trial session runs and meets that failure.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStandInOrt, type StandInOrt } from './fake-ort-providers/harness.js';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { fakeProcfs } from './helpers/fake-node.js';
import { cliPath } from './helpers/paths.js';

let drivers: FakeDriverDirs;
let ort: StandInOrt;
beforeAll(() => {
  drivers = buildFakeDrivers();
  ort = buildStandInOrt();
});
afterAll(() => {
  for (const root of [drivers?.root, ort?.root]) if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

interface CaseReport {
  id: string;
  outcome: string;
  failPhase: string | null;
  reason: string | null;
}

interface PlannedGpu {
  ordinal: number;
  pciBusId: string | null;
  uuid: string | null;
  name: string | null;
  notComputed: string | null;
}

type Run = { code: number | null; verdict: string; byId: (id: string) => CaseReport; plan: { id: string; gpus?: PlannedGpu[] }[] };
const runs = new Map<string, Promise<Run>>();

/** `mlcheck run ARGS` on the fake node (once per arguments and scenario: several tests read one run). */
function mlcheck(args: string[], scenario: string, options: { cudaLibraries?: boolean } = {}): Promise<Run> {
  const key = JSON.stringify([args, scenario, options]);
  let run = runs.get(key);
  if (run === undefined) {
    run = runOnFakeNode(args, scenario, options);
    runs.set(key, run);
  }
  return run;
}

function runOnFakeNode(args: string[], scenario: string, options: { cudaLibraries?: boolean }): Promise<Run> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-gpu-trials-'));
  const libraryPath = [drivers.both, ...(options.cudaLibraries === false ? [] : [ort.cudaLibraryDir])].join(':');
  // A procfs of its own: a real process that happens to have the fake PID 4242 must not lend it a name.
  const env = { ...process.env, LD_LIBRARY_PATH: libraryPath, MLCHECK_FAKE_GPUS: scenario, MLCHECK_ONNXRUNTIME_NODE: ort.packageDir, MLCHECK_PROCFS_ROOT: fakeProcfs('550.54.15') };
  delete env.CUDA_DEVICE_ORDER;
  delete env.CUDA_VISIBLE_DEVICES;
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, 'run', ...args, '--out', outDir], { encoding: 'utf8', env, timeout: 120_000 }, (error, stdout) => {
      const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8')) as { cases: CaseReport[] };
      const state = JSON.parse(readFileSync(path.join(outDir, 'run.json'), 'utf8')) as { plan: { id: string; gpus?: PlannedGpu[] }[] };
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
        verdict: stdout.trimEnd().split('\n').at(-1) ?? '',
        byId: (id) => report.cases.find((c) => c.id === id)!,
        plan: state.plan,
      });
    });
  });
}

const A100 = { pciBusId: '0000:07:00.0', uuid: 'GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f' };
const H100 = { pciBusId: '0000:08:00.0', uuid: 'GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f' };
const ecc = (device: number | '?') => `CUDA failure 214: uncorrectable ECC error encountered ; GPU=${device} ;`;

describe('finding 8: a GPU trial that fails is a GPU failure, not a skip', () => {
  it('fails hello on onnx cuda (exit 1), naming the provider, the error and each GPU it was tried on', async () => {
    const run = await mlcheck(['hello', '--engine', 'onnx', '--backend', 'cuda'], 'healthy');
    const hello = run.byId('hello/onnx/cuda');
    expect(hello.outcome).toBe('fail');
    expect(hello.failPhase).toBe('setup');
    expect(hello.reason).toContain(`onnx cuda: a test session on cuda (CUDAExecutionProvider) failed on GPU 0 (${A100.pciBusId}, ${A100.uuid}): ${ecc(0)}`);
    // hello computes on every GPU in scope: the trial tried device_id 1 too.
    expect(hello.reason).toContain(`on GPU 1 (${H100.pciBusId}, ${H100.uuid}): ${ecc(1)}`);
    expect(run.code).toBe(1);
    expect(run.verdict).toMatch(/^mlcheck: FAIL hello\/onnx onnx cuda: a test session on cuda \(CUDAExecutionProvider\) failed on GPU 0/);
  });

  it('fails on tensorrt the same way', async () => {
    const run = await mlcheck(['hello', '--engine', 'onnx', '--backend', 'tensorrt'], 'healthy');
    const hello = run.byId('hello/onnx/tensorrt');
    expect(hello.outcome).toBe('fail');
    expect(hello.reason).toContain(`a test session on tensorrt (TensorrtExecutionProvider) failed on GPU 0 (${A100.pciBusId}, ${A100.uuid}): CUDA failure 214`);
    expect(run.code).toBe(1);
  });

  it('still skips when a static requirement is missing (no CUDA 12 libraries): undecided, never a drain', async () => {
    const run = await mlcheck(['hello', '--engine', 'onnx', '--backend', 'cuda'], 'healthy', { cudaLibraries: false });
    const hello = run.byId('hello/onnx/cuda');
    expect(hello.outcome).toBe('skip');
    expect(hello.reason).toContain('the dynamic loader cannot load libcudart.so.12');
    expect(hello.reason).not.toContain('test session');
    expect(run.code).toBe(3);
  });
});

describe('finding 9: every GPU in scope computes, gently', () => {
  it('hands every case the GPUs in scope by PCI order, PCI address and UUID', async () => {
    const run = await mlcheck(['hello', '--engine', 'onnx', '--backend', 'cuda'], 'healthy');
    expect(run.plan[0]!.gpus).toEqual([
      { ordinal: 0, ...A100, name: 'NVIDIA A100-SXM4-40GB', notComputed: null },
      { ordinal: 1, ...H100, name: 'NVIDIA H100 80GB HBM3', notComputed: null },
    ]);
  });

  it('numbers the GPUs by PCI address, as the case process sees them, whatever order the probe saw', async () => {
    // CUDA's default order here puts the H100 at 86:00.0 first; the case runs under PCI_BUS_ID.
    const run = await mlcheck(['hello', '--engine', 'onnx', '--backend', 'cuda'], 'fastest-first');
    expect(run.plan[0]!.gpus!.map((gpu) => [gpu.ordinal, gpu.pciBusId])).toEqual([
      [0, '0000:07:00.0'],
      [1, '0000:86:00.0'],
    ]);
    const reason = run.byId('hello/onnx/cuda').reason!;
    // The device_id onnxruntime was given for each GPU is the one that GPU has in the case process.
    expect(reason).toContain(`on GPU 0 (0000:07:00.0, ${A100.uuid}): ${ecc(0)}`);
    expect(reason).toContain(`on GPU 1 (0000:86:00.0, ${H100.uuid}): ${ecc(1)}`);
  });

  it.each([
    ['busy', "a job is using it: NVML lists 1 compute process not mlcheck's (PID 4242)"],
    ['exclusive-process', "its compute mode is EXCLUSIVE_PROCESS: a CUDA context of mlcheck's would lock a starting job out of it"],
  ])('does not compute on a GPU that is %s, and says so per GPU', async (scenario, why) => {
    const run = await mlcheck(['hello'], scenario);
    expect(run.plan.find((c) => c.id === 'hello/onnx/cuda')!.gpus!.map((gpu) => gpu.notComputed)).toEqual([null, why]);
    const onnx = run.byId('hello/onnx/cuda');
    // Only GPU 0 was tried (and fails, its provider being broken); GPU 1 is named as not computed.
    expect(onnx.outcome).toBe('fail');
    expect(onnx.reason).toContain(ecc(0));
    expect(onnx.reason).not.toContain('GPU=1');
    expect(onnx.reason).toContain(`GPU 1 (${H100.pciBusId}, ${H100.uuid}): not computed: ${why}`);
    // libtensorflow would create a context on every GPU: tfjs-node-gpu does not start at all.
    const tfjs = run.byId('hello/tfjs/tensorflow-gpu');
    expect(tfjs.outcome).toBe('skip');
    expect(tfjs.reason).toContain(`tfjs tensorflow-gpu: not computed: libtensorflow creates a CUDA context on every GPU it sees and tfjs-node-gpu cannot keep it off GPU 1 (${H100.pciBusId}, ${H100.uuid}) (${why})`);
  });

  it('with no GPU it may compute on, skips (undecided), never fails', async () => {
    const run = await mlcheck(['hello'], 'none-computable');
    const onnx = run.byId('hello/onnx/cuda');
    expect(onnx.outcome).toBe('skip');
    expect(onnx.reason).toBe(
      `onnx cuda: no GPU in scope may be computed on: GPU 0 (${A100.pciBusId}, ${A100.uuid}): a job is using it: NVML lists 1 compute process not mlcheck's (PID 4242); ` +
        `GPU 1 (${H100.pciBusId}, ${H100.uuid}): its compute mode is EXCLUSIVE_PROCESS: a CUDA context of mlcheck's would lock a starting job out of it`,
    );
    expect(run.byId('hello/tfjs/tensorflow-gpu').outcome).toBe('skip');
    expect(run.code).toBe(3);
  });
});
