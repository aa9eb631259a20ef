import { describeComputeGpu, gpuIdentity } from '../../engines/compute-gpu.js';
import { backendUsesGpu } from '../../engines/tfjs/gpu-device.js';
import type { TfjsSession } from '../../engines/tfjs/session.js';
import type { WorkloadRun } from '../types.js';
import { compareProduct, createMatmulCheck, describeComparison } from './matmul-check.js';
import { helloOperands } from './defaults.js';

export const HELLO_TEXT = 'Hello, TensorFlow!';

/**
 * The manual's TF session (a constant string tensor and 10 + 32 as int32) plus a seeded float32
 * MatMul checked against a float64 reference, on the session's device. It returns what it
 * computed and never judges it: the thresholds in profiles.yaml do, so a wrong answer fails the
 * case (phase sanity) instead of ending it undecided.
 */
export const helloTfjs: WorkloadRun<TfjsSession> = async (session, ctx) => {
  const { tf } = session;
  const { a, b } = helloOperands(ctx.params);
  ctx.progress({ phase: 'run', message: `constant '${HELLO_TEXT}', ${a} + ${b} and a seeded MatMul on ${session.info.backend}` });

  const check = createMatmulCheck(ctx.seed);
  const helloTensor = tf.scalar(HELLO_TEXT);
  const sumTensor = tf.tidy(() => tf.add(tf.scalar(a, 'int32'), tf.scalar(b, 'int32')));
  const productTensor = tf.tidy(() => tf.matMul(tf.tensor2d(check.a, [check.rows, check.inner]), tf.tensor2d(check.b, [check.inner, check.columns])));
  try {
    const [text] = (await helloTensor.data()) as unknown as string[];
    const [sum] = await sumTensor.data();
    const comparison = compareProduct(check, await productTensor.data());
    // tfjs-node-gpu runs every op on libtensorflow's GPU device once it has one (read again here,
    // after the ops ran); the other backends were asked for the CPU and compute on it.
    const onRequestedDevice = session.info.backend === 'tensorflow-gpu' ? backendUsesGpu(tf) : true;
    // tfjs-node-gpu computes on libtensorflow's default GPU only; the others are not its to check.
    const otherGpus = session.gpu === undefined ? [] : (ctx.gpus ?? []).filter((gpu) => gpu.ordinal !== session.gpu!.ordinal);
    return {
      // Named as the onnx engine's hello names them, so one set of thresholds judges both.
      metrics: {
        sum: { value: Number(sum), unit: '' },
        greeting_matches: { value: text === HELLO_TEXT ? 1 : 0, unit: '' },
        matmul_max_rel_error: { value: comparison.maxRelativeError, unit: '' },
        ran_on_requested_device: { value: onRequestedDevice ? 1 : 0, unit: '' },
      },
      hyperparameters: { a, b, text: HELLO_TEXT, matmul: `${check.rows}x${check.inner}x${check.columns}` },
      // Python 3 prints a TF string tensor's value as bytes: b'Hello, TensorFlow!'.
      lines: [
        `b'${text}'`,
        String(sum),
        `device: ${session.info.device} (backend ${session.info.backend})`,
        describeComparison(check, comparison),
        ...(onRequestedDevice ? [] : ['libtensorflow reports no GPU device: these ops ran on the CPU although tensorflow-gpu was asked for']),
        ...(session.gpu === undefined ? [] : [`computed on ${describeComputeGpu(session.gpu)}, libtensorflow's default GPU: tfjs-node-gpu cannot choose a device`]),
        ...otherGpus.map((gpu) => `${describeComputeGpu(gpu)}: not computed by tfjs-node-gpu (it computes on its default GPU only)`),
      ],
      details: {
        text,
        sum,
        sumDtype: sumTensor.dtype,
        textDtype: helloTensor.dtype,
        device: session.info.device,
        backend: session.info.backend,
        matmul: { rows: check.rows, inner: check.inner, columns: check.columns, seed: check.seed, worst: comparison.worst },
        ...(session.gpu !== undefined && {
          gpus: [
            { ...gpuIdentity(session.gpu), computed: true, matmulMaxRelError: comparison.maxRelativeError },
            ...otherGpus.map((gpu) => ({ ...gpuIdentity(gpu), computed: false, notComputed: gpu.notComputed ?? 'tfjs-node-gpu computes on its default GPU only' })),
          ],
          gpuMemory: 'TF_FORCE_GPU_ALLOW_GROWTH=true: libtensorflow takes what the ops need instead of reserving the GPU',
        }),
      },
    };
  } finally {
    helloTensor.dispose();
    sumTensor.dispose();
    productTensor.dispose();
  }
};
