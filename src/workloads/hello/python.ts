import { rmSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic-write.js';
import path from 'node:path';
import type { PythonSession } from '../../engines/python/session.js';
import { readFloat32File, runKit } from '../python-kit.js';
import type { WorkloadRun } from '../types.js';
import { compareProduct, createMatmulCheck, describeComparison } from './matmul-check.js';
import { HELLO_TEXT } from './tfjs.js';
import { helloOperands } from './defaults.js';

interface HelloKitOutput {
  text: string;
  sum: number;
  sumDtype: string;
  devices: string[];
  onRequestedDevice: boolean;
}

/**
 * hello on the node's PyTorch or TensorFlow: the kit computes the greeting, 10 + 32 and the
 * seeded MatMul on the session's device; the inputs and the float64 reference are the same
 * createMatmulCheck every engine is judged with.
 */
export const helloPython: WorkloadRun<PythonSession> = async (session, ctx) => {
  const { a, b } = helloOperands(ctx.params);
  const check = createMatmulCheck(ctx.seed);
  const files = { a: path.join(ctx.outDir, 'matmul-a.f32'), b: path.join(ctx.outDir, 'matmul-b.f32'), out: path.join(ctx.outDir, 'matmul-product.f32') };
  writeFileAtomic(files.a, new Uint8Array(check.a.buffer, check.a.byteOffset, check.a.byteLength));
  writeFileAtomic(files.b, new Uint8Array(check.b.buffer, check.b.byteOffset, check.b.byteLength));
  try {
    const output = (await runKit(session, ctx, 'hello', { params: { a, b }, inputs: { matmul: { rows: check.rows, inner: check.inner, columns: check.columns, ...files } } })) as HelloKitOutput;
    const product = readFloat32File(files.out);
    const comparison = compareProduct(check, product);
    return {
      metrics: {
        sum: { value: Number(output.sum), unit: '' },
        greeting_matches: { value: output.text === HELLO_TEXT ? 1 : 0, unit: '' },
        matmul_max_rel_error: { value: comparison.maxRelativeError, unit: '' },
        ran_on_requested_device: { value: output.onRequestedDevice ? 1 : 0, unit: '' },
      },
      hyperparameters: { a, b, text: HELLO_TEXT, matmul: `${check.rows}x${check.inner}x${check.columns}`, framework: session.framework },
      lines: [
        session.framework === 'tensorflow' ? `b'${output.text}'` : `'${output.text}' (uint8 bytes through the device)`,
        String(output.sum),
        `device: ${session.info.device} (backend ${session.info.backend})`,
        describeComparison(check, comparison),
        ...(output.onRequestedDevice ? [] : [`tensors were placed on ${output.devices.join(', ')}, not on ${session.device}`]),
        // The manual's hello is typed at the Python prompt, not shipped as a script.
        ...(session.kit === 'installed' ? ["(--kit installed: the manual's hello is typed at the prompt; this is mlcheck's kit)"] : []),
      ],
      details: { text: output.text, sum: output.sum, sumDtype: output.sumDtype, placedOn: output.devices, device: session.info.device, backend: session.info.backend, matmul: { rows: check.rows, inner: check.inner, columns: check.columns, seed: check.seed, worst: comparison.worst } },
    };
  } finally {
    for (const file of Object.values(files)) rmSync(file, { force: true });
  }
};
