import { encodeOnnxModel } from './onnx-model-builder.js';
import type { OrtModule } from './ort-loader.js';
import type { OnnxProvider } from '../types.js';

/** y = x + x on a [2] float tensor: enough for the provider to initialise its device. */
const TRIAL_MODEL = encodeOnnxModel({
  graphName: 'mlcheck_provider_trial',
  nodes: [{ opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }],
  inputs: [{ name: 'x', dataType: 'float32', dims: [2] }],
  outputs: [{ name: 'y', dataType: 'float32', dims: [2] }],
});

/** A device the trial runs on: ONNX Runtime's device_id and how messages name it. */
export interface TrialDevice {
  deviceId: number;
  /** e.g. "GPU 1 (0000:08:00.0, GPU-90a1...)". */
  label: string;
}

/**
 * Opens and runs the trial model on one provider on each device (device 0 when none is named);
 * null when every one works, else what went wrong on which, e.g. "on GPU 1 (0000:08:00.0, ...):
 * CUDA failure 214: uncorrectable ECC error encountered ...".
 */
export async function trialSession(ort: OrtModule, provider: OnnxProvider, devices: readonly TrialDevice[] = []): Promise<string | null> {
  const failures: string[] = [];
  for (const device of devices.length > 0 ? devices : [{ deviceId: 0, label: 'GPU 0' }]) {
    const failure = await trialOnDevice(ort, provider, device.deviceId);
    if (failure !== null) failures.push(`on ${device.label}: ${failure}`);
  }
  return failures.length > 0 ? failures.join('; ') : null;
}

async function trialOnDevice(ort: OrtModule, provider: OnnxProvider, deviceId: number): Promise<string | null> {
  try {
    const session = await ort.InferenceSession.create(TRIAL_MODEL, { executionProviders: [provider === 'cpu' ? 'cpu' : { name: provider, deviceId }] });
    try {
      const result = await session.run({ x: new ort.Tensor('float32', Float32Array.from([20, 1]), [2]) });
      const y = result.y?.data as Float32Array | undefined;
      if (!y || y[0] !== 40 || y[1] !== 2) return `the test model gave ${y ? Array.from(y).join(', ') : 'no output'} instead of 40, 2`;
      return null;
    } finally {
      await session.release();
    }
  } catch (error) {
    // CUDA's messages end in "; ", which the list of devices would double.
    return (error instanceof Error ? error.message : String(error)).trimEnd().replace(/;$/, '');
  }
}
