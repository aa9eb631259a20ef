import path from 'node:path';
import { encodeOnnxModel } from '../../engines/onnx/onnx-model-builder.js';
import { describeMisplaced, judgePlacement } from '../../engines/onnx/placement.js';
import { endProfiling, readNodePlacement } from '../../engines/onnx/profile-file.js';
import type { OnnxSession } from '../../engines/onnx/session.js';
import type { WorkloadRun } from '../types.js';
import { compareProduct, createMatmulCheck, describeComparison, MATMUL_SHAPE } from './matmul-check.js';
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

/**
 * Runs the hello graph once with ONNX Runtime's profiler on, and returns what it computed and
 * where each node ran. It judges nothing: profiles.yaml's thresholds fail a wrong sum, greeting or
 * product, and a node that ran on the CPU although a GPU provider was asked for.
 */
export const helloOnnx: WorkloadRun<OnnxSession> = async (session, ctx) => {
  const { a, b } = helloOperands(ctx.params);
  const { Tensor } = session.ort;
  const check = createMatmulCheck(ctx.seed);
  const textBytes = new TextEncoder().encode(HELLO_ONNX_TEXT);
  ctx.progress({ phase: 'run', message: `${a} + ${b}, '${HELLO_ONNX_TEXT}' and a seeded MatMul on ${session.executionProviders.join(', ')}` });

  const profilePrefix = path.join(ctx.outDir, 'onnx-profile-hello');
  const inference = await session.createInferenceSession(helloOnnxModel(check), { profileFilePrefix: profilePrefix });
  let result: Awaited<ReturnType<typeof inference.run>>;
  let profileFile: string;
  try {
    result = await inference.run({
      a: new Tensor('int32', Int32Array.of(a), []),
      b: new Tensor('int32', Int32Array.of(b), []),
      text_bytes: new Tensor('uint8', textBytes, [textBytes.length]),
      A: new Tensor('float32', check.a, [check.rows, check.inner]),
      B: new Tensor('float32', check.b, [check.inner, check.columns]),
    });
    profileFile = endProfiling(inference, profilePrefix);
  } finally {
    await inference.release();
  }
  const sum = Number((result.sum?.data as Int32Array | undefined)?.[0]);
  const greetingBytes = result.greeting?.data as Uint8Array | undefined;
  const greeting = greetingBytes ? new TextDecoder().decode(greetingBytes) : '';
  const comparison = compareProduct(check, (result.product?.data as Float32Array | undefined) ?? []);
  const placement = judgePlacement(readNodePlacement(profileFile), session.provider, 'every-node', profileFile);

  return {
    metrics: {
      sum: { value: sum, unit: '' },
      greeting_matches: { value: greeting === HELLO_ONNX_TEXT ? 1 : 0, unit: '' },
      matmul_max_rel_error: { value: comparison.maxRelativeError, unit: '' },
      ran_on_requested_device: { value: placement.nodesOnCpu.length === 0 ? 1 : 0, unit: '' },
    },
    hyperparameters: { a, b, text: HELLO_ONNX_TEXT, matmul: `${check.rows}x${check.inner}x${check.columns}` },
    lines: [
      `b'${greeting}'`,
      String(sum),
      `ran on ${session.info.backend} (${session.executionProviders.join(', ')}): ${session.info.device}`,
      describeComparison(check, comparison),
      `nodes: ${placement.placement.map((p) => `${p.opType} on ${p.provider}`).join(', ')}`,
      ...describeMisplaced(placement),
    ],
    details: {
      greeting,
      sum,
      executionProviders: session.executionProviders,
      skippedProviders: session.skippedProviders,
      matmul: { rows: check.rows, inner: check.inner, columns: check.columns, seed: check.seed, worst: comparison.worst },
      nodePlacement: { profile: profileFile, requested: placement.requested, scope: placement.scope, allowedProviders: placement.allowedProviders, nodes: placement.placement, nodesOnCpu: placement.nodesOnCpu },
    },
    artifacts: [profileFile],
  };
};
