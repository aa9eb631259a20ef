import { rmSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic-write.js';
import path from 'node:path';
import { describeComputeGpu, gpuIdentity, type ComputeGpu } from '../../engines/compute-gpu.js';
import type { PythonSession } from '../../engines/python/session.js';
import { readFloat32File, runKit } from '../python-kit.js';
import type { WorkloadRun } from '../types.js';
import { compareProduct, createMatmulCheck, describeComparison, type MatmulComparison } from './matmul-check.js';
import { HELLO_TEXT } from './tfjs.js';
import { helloOperands } from './defaults.js';

/** What the kit computed on one device (kits/python/mlcheck_kits/<framework>/hello.py). */
interface KitRun {
  /** The framework's name for it: "cuda:1", "/GPU:1", "cpu". */
  device: string;
  text: string;
  sum: number;
  sumDtype: string;
  devices: string[];
  onRequestedDevice: boolean;
}

interface DeviceRun extends KitRun {
  /** Null: the session's own device (the CPU, or GPU 0 when no GPU was named). */
  gpu: ComputeGpu | null;
  comparison: MatmulComparison;
}

/**
 * hello on the node's PyTorch or TensorFlow: the kit computes the greeting, 10 + 32 and the
 * seeded MatMul on each device the session was opened on (every GPU in scope that may be computed
 * on); the inputs and the float64 reference are the same createMatmulCheck every engine is judged
 * with. The metrics are the worst over the devices, each device's own in `details.gpus`.
 */
export const helloPython: WorkloadRun<PythonSession> = async (session, ctx) => {
  const { a, b } = helloOperands(ctx.params);
  const check = createMatmulCheck(ctx.seed);
  const targets: (ComputeGpu | null)[] = session.device === 'cuda' && session.gpus.length > 0 ? [...session.gpus] : [null];
  const notComputed = session.device === 'cuda' ? (ctx.gpus ?? []).filter((gpu) => gpu.notComputed !== null) : [];
  const files = { a: path.join(ctx.outDir, 'matmul-a.f32'), b: path.join(ctx.outDir, 'matmul-b.f32') };
  const outs = targets.map((gpu) => path.join(ctx.outDir, gpu === null ? 'matmul-product.f32' : `matmul-product-gpu${gpu.ordinal}.f32`));
  writeFileAtomic(files.a, new Uint8Array(check.a.buffer, check.a.byteOffset, check.a.byteLength));
  writeFileAtomic(files.b, new Uint8Array(check.b.buffer, check.b.byteOffset, check.b.byteLength));
  try {
    const output = (await runKit(session, ctx, 'hello', { params: { a, b }, inputs: { matmul: { rows: check.rows, inner: check.inner, columns: check.columns, ...files, outs } } })) as { runs: KitRun[] };
    if (!Array.isArray(output.runs) || output.runs.length !== targets.length) {
      throw new Error(`the ${session.framework} hello kit answered for ${Array.isArray(output.runs) ? output.runs.length : 'no'} devices, not the ${targets.length} it was opened on`);
    }
    const runs: DeviceRun[] = output.runs.map((run, i) => ({ ...run, gpu: targets[i]!, comparison: compareProduct(check, readFloat32File(outs[i]!)) }));
    const wrongSum = runs.find((run) => Number(run.sum) !== a + b);
    const worst = wrongSum ?? runs.reduce((w, run) => (!(run.comparison.maxRelativeError <= w.comparison.maxRelativeError) ? run : w));
    const perGpu = targets[0] !== null || notComputed.length > 0;
    const name = (run: DeviceRun): string => (run.gpu === null ? run.device : `${describeComputeGpu(run.gpu)} (${run.device})`);
    return {
      metrics: {
        sum: { value: Number(worst.sum), unit: '' },
        greeting_matches: { value: runs.every((run) => run.text === HELLO_TEXT) ? 1 : 0, unit: '' },
        matmul_max_rel_error: { value: worst.comparison.maxRelativeError, unit: '' },
        ran_on_requested_device: { value: runs.every((run) => run.onRequestedDevice) ? 1 : 0, unit: '' },
      },
      hyperparameters: { a, b, text: HELLO_TEXT, matmul: `${check.rows}x${check.inner}x${check.columns}`, framework: session.framework },
      lines: [
        session.framework === 'tensorflow' ? `b'${worst.text}'` : `'${worst.text}' (uint8 bytes through the device)`,
        String(worst.sum),
        `device: ${session.info.device} (backend ${session.info.backend})`,
        ...(perGpu ? runs.map((run) => `${name(run)}: ${describeComparison(check, run.comparison)}; sum ${run.sum}`) : [describeComparison(check, worst.comparison)]),
        ...runs.filter((run) => !run.onRequestedDevice).map((run) => `tensors were placed on ${run.devices.join(', ')}, not on ${run.device}`),
        ...notComputed.map((gpu) => `${describeComputeGpu(gpu)}: not computed: ${gpu.notComputed}`),
        // The manual's hello is typed at the Python prompt, not shipped as a script.
        ...(session.kit === 'installed' ? ["(--kit installed: the manual's hello is typed at the prompt; this is mlcheck's kit)"] : []),
      ],
      details: {
        text: worst.text,
        sum: worst.sum,
        sumDtype: worst.sumDtype,
        placedOn: worst.devices,
        device: session.info.device,
        backend: session.info.backend,
        matmul: { rows: check.rows, inner: check.inner, columns: check.columns, seed: check.seed, worst: worst.comparison.worst },
        ...(perGpu && {
          gpus: [
            ...runs.map((run) => ({ ...gpuIdentity(run.gpu!), computed: true, frameworkDevice: run.device, sum: run.sum, text: run.text, placedOn: run.devices, matmulMaxRelError: run.comparison.maxRelativeError, matmulWorst: run.comparison.worst })),
            ...notComputed.map((gpu) => ({ ...gpuIdentity(gpu), computed: false, notComputed: gpu.notComputed })),
          ],
          gpuMemory:
            session.framework === 'pytorch'
              ? 'PyTorch allocates only the tensors it computes with (its caching allocator reserves nothing ahead) and creates a context only on the GPUs it uses'
              : 'TensorFlow sees only these GPUs (tf.config.set_visible_devices) and grows its memory as the ops need it (set_memory_growth)',
        }),
      },
    };
  } finally {
    for (const file of [...Object.values(files), ...outs]) rmSync(file, { force: true });
  }
};
