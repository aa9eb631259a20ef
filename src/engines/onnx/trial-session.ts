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

/** Opens and runs the trial model on one provider; null when it works, else the error message. */
export async function trialSession(ort: OrtModule, provider: OnnxProvider): Promise<string | null> {
  try {
    const session = await ort.InferenceSession.create(TRIAL_MODEL, { executionProviders: [provider] });
    try {
      const result = await session.run({ x: new ort.Tensor('float32', Float32Array.from([20, 1]), [2]) });
      const y = result.y?.data as Float32Array | undefined;
      if (!y || y[0] !== 40 || y[1] !== 2) return `the test model gave ${y ? Array.from(y).join(', ') : 'no output'} instead of 40, 2`;
      return null;
    } finally {
      await session.release();
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
