import path from 'node:path';
import { encodeOnnxModel } from '../../engines/onnx/onnx-model-builder.js';
import { describeComputeGpu, gpuIdentity, type ComputeGpu } from '../../engines/compute-gpu.js';
import { describeMisplaced, judgePlacement, type PlacementJudgement } from '../../engines/onnx/placement.js';
import { endProfiling, readNodePlacement } from '../../engines/onnx/profile-file.js';
import type { OnnxSession } from '../../engines/onnx/session.js';
import { MlcheckError } from '../../util/errors.js';
import type { WorkloadContext, WorkloadRun } from '../types.js';
import { compareProduct, createMatmulCheck, describeComparison, MATMUL_SHAPE, type MatmulCheck, type MatmulComparison } from './matmul-check.js';
import { helloOperands } from './defaults.js';

export const HELLO_ONNX_TEXT = 'Hello, ONNX Runtime!';

/**
 * The manual's hello graph in ONNX, with everything fed at run time so that ONNX Runtime cannot
 * fold it into constants while it creates the session: sum = Add(a, b) on int32 scalars,
 * greeting = Identity(the text's UTF-8 bytes; the CUDA provider has no string kernels, uint8 it
 * has), product = MatMul(A, B) on float32 (matmul-check.ts).
 */
export function helloOnnxModel(shape: { rows: number; inner: number; columns: number } = MATMUL_SHAPE): Uint8Array {
  return encodeOnnxModel({
    graphName: 'mlcheck_hello',
    nodes: [
      { opType: 'Add', inputs: ['a', 'b'], outputs: ['sum'], name: 'add_a_b' },
      { opType: 'Identity', inputs: ['text_bytes'], outputs: ['greeting'], name: 'identity_greeting' },
      { opType: 'MatMul', inputs: ['A', 'B'], outputs: ['product'], name: 'matmul_check' },
    ],
    inputs: [
      { name: 'a', dataType: 'int32', dims: [] },
      { name: 'b', dataType: 'int32', dims: [] },
      { name: 'text_bytes', dataType: 'uint8', dims: ['length'] },
      { name: 'A', dataType: 'float32', dims: [shape.rows, shape.inner] },
      { name: 'B', dataType: 'float32', dims: [shape.inner, shape.columns] },
    ],
    outputs: [
      { name: 'sum', dataType: 'int32', dims: [] },
      { name: 'greeting', dataType: 'uint8', dims: ['length'] },
      { name: 'product', dataType: 'float32', dims: [shape.rows, shape.columns] },
    ],
  });
}

/** What hello computed on one device, and where ONNX Runtime placed each node. */
interface DeviceRun {
  /** Null: the session's own device (the CPU, or GPU 0 when no GPU was named). */
  gpu: ComputeGpu | null;
  sum: number;
  greeting: string;
  comparison: MatmulComparison;
  placement: PlacementJudgement;
  profileFile: string;
}

/**
 * Runs the hello graph with ONNX Runtime's profiler on, once per GPU the session was opened on
 * (device_id = each GPU's ordinal), and returns what it computed and where each node ran; the
 * metrics are the worst over the GPUs, each GPU's own in `details.gpus`. It judges nothing:
 * profiles.yaml's thresholds fail a wrong sum, greeting or product, and a node that ran on the CPU
 * although a GPU provider was asked for. A GPU whose session cannot be created fails the case,
 * after every GPU was tried, naming each that failed.
 */
export const helloOnnx: WorkloadRun<OnnxSession> = async (session, ctx) => {
  const { a, b } = helloOperands(ctx.params);
  const check = createMatmulCheck(ctx.seed);
  const onGpu = session.provider !== 'cpu';
  const targets: (ComputeGpu | null)[] = onGpu && session.gpus.length > 0 ? [...session.gpus] : [null];
  const notComputed = onGpu ? (ctx.gpus ?? []).filter((gpu) => gpu.notComputed !== null) : [];
  const runs: DeviceRun[] = [];
  const failures: string[] = [];
  for (const gpu of targets) {
    ctx.progress({ phase: 'run', message: `${a} + ${b}, '${HELLO_ONNX_TEXT}' and a seeded MatMul on ${session.executionProviders.join(', ')}${gpu ? ` on ${describeComputeGpu(gpu)}` : ''}` });
    try {
      runs.push(await runOnDevice(session, ctx, check, { a, b }, gpu));
    } catch (error) {
      // Bad data or mlcheck's own fault leaves the case undecided; anything else is the device's.
      if (error instanceof MlcheckError || gpu === null) throw error;
      failures.push(`${describeComputeGpu(gpu)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) {
    const passed = runs.map((run) => `${describeComputeGpu(run.gpu!)} computed (MatMul max relative error ${run.comparison.maxRelativeError.toExponential(2)})`);
    throw new Error(`hello on ${session.provider} failed on ${failures.length} of ${targets.length} GPU${targets.length === 1 ? '' : 's'}: ${[...failures, ...passed].join('; ')}`);
  }
  const worst = worstRun(runs, a + b);
  const perGpu = runs.length > 1 || runs[0]!.gpu !== null || notComputed.length > 0;
  return {
    metrics: {
      sum: { value: worst.sum, unit: '' },
      greeting_matches: { value: runs.every((run) => run.greeting === HELLO_ONNX_TEXT) ? 1 : 0, unit: '' },
      matmul_max_rel_error: { value: worst.comparison.maxRelativeError, unit: '' },
      ran_on_requested_device: { value: runs.every((run) => run.placement.nodesOnCpu.length === 0) ? 1 : 0, unit: '' },
    },
    hyperparameters: { a, b, text: HELLO_ONNX_TEXT, matmul: `${check.rows}x${check.inner}x${check.columns}` },
    lines: [
      `b'${worst.greeting}'`,
      String(worst.sum),
      `ran on ${session.info.backend} (${session.executionProviders.join(', ')}): ${session.info.device}`,
      ...(perGpu ? [] : [describeComparison(check, worst.comparison), `nodes: ${describeNodes(worst)}`, ...describeMisplaced(worst.placement)]),
      ...(perGpu ? runs.flatMap((run) => [`${describeComputeGpu(run.gpu!)}: ${describeComparison(check, run.comparison)}; sum ${run.sum}; nodes: ${describeNodes(run)}`, ...describeMisplaced(run.placement).map((line) => `${describeComputeGpu(run.gpu!)}: ${line}`)]) : []),
      ...notComputed.map((gpu) => `${describeComputeGpu(gpu)}: not computed: ${gpu.notComputed}`),
    ],
    details: {
      greeting: worst.greeting,
      sum: worst.sum,
      executionProviders: session.executionProviders,
      skippedProviders: session.skippedProviders,
      matmul: { rows: check.rows, inner: check.inner, columns: check.columns, seed: check.seed, worst: worst.comparison.worst },
      nodePlacement: placementDetails(worst),
      ...(perGpu && {
        gpus: [
          ...runs.map((run) => ({
            ...gpuIdentity(run.gpu!),
            computed: true,
            sum: run.sum,
            greeting: run.greeting,
            matmulMaxRelError: run.comparison.maxRelativeError,
            matmulWorst: run.comparison.worst,
            nodePlacement: placementDetails(run),
          })),
          ...notComputed.map((gpu) => ({ ...gpuIdentity(gpu), computed: false, notComputed: gpu.notComputed })),
        ],
        // ORT's CUDA provider allocates from an arena that grows with what the graph needs;
        // onnxruntime-node passes no provider option but device_id, so no gpu_mem_limit can be set.
        gpuMemory: 'on demand: the CUDA provider arena grows to what the graph needs (a few MB for hello); onnxruntime-node cannot pass gpu_mem_limit',
      }),
    },
    artifacts: runs.map((run) => run.profileFile),
  };
};

async function runOnDevice(session: OnnxSession, ctx: WorkloadContext, check: MatmulCheck, operands: { a: number; b: number }, gpu: ComputeGpu | null): Promise<DeviceRun> {
  const { Tensor } = session.ort;
  const textBytes = new TextEncoder().encode(HELLO_ONNX_TEXT);
  const profilePrefix = path.join(ctx.outDir, gpu === null ? 'onnx-profile-hello' : `onnx-profile-hello-gpu${gpu.ordinal}`);
  const inference = await session.createInferenceSession(helloOnnxModel(check), { profileFilePrefix: profilePrefix, ...(gpu !== null && { deviceId: gpu.ordinal }) });
  let result: Awaited<ReturnType<typeof inference.run>>;
  let profileFile: string;
  try {
    result = await inference.run({
      a: new Tensor('int32', Int32Array.of(operands.a), []),
      b: new Tensor('int32', Int32Array.of(operands.b), []),
      text_bytes: new Tensor('uint8', textBytes, [textBytes.length]),
      A: new Tensor('float32', check.a, [check.rows, check.inner]),
      B: new Tensor('float32', check.b, [check.inner, check.columns]),
    });
    profileFile = endProfiling(inference, profilePrefix);
  } finally {
    await inference.release();
  }
  const greetingBytes = result.greeting?.data as Uint8Array | undefined;
  return {
    gpu,
    sum: Number((result.sum?.data as Int32Array | undefined)?.[0]),
    greeting: greetingBytes ? new TextDecoder().decode(greetingBytes) : '',
    comparison: compareProduct(check, (result.product?.data as Float32Array | undefined) ?? []),
    placement: judgePlacement(readNodePlacement(profileFile), session.provider, 'every-node', profileFile),
    profileFile,
  };
}

/** The run the metrics report: a wrong sum first, then the largest MatMul error. */
function worstRun(runs: readonly DeviceRun[], expectedSum: number): DeviceRun {
  const wrongSum = runs.find((run) => run.sum !== expectedSum);
  if (wrongSum !== undefined) return wrongSum;
  return runs.reduce((worst, run) => (!(run.comparison.maxRelativeError <= worst.comparison.maxRelativeError) ? run : worst));
}

function describeNodes(run: DeviceRun): string {
  return run.placement.placement.map((p) => `${p.opType} on ${p.provider}`).join(', ');
}

function placementDetails(run: DeviceRun): Record<string, unknown> {
  const placement = run.placement;
  return { profile: run.profileFile, requested: placement.requested, scope: placement.scope, allowedProviders: placement.allowedProviders, nodes: placement.placement, nodesOnCpu: placement.nodesOnCpu };
}
