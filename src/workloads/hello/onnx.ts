import type { OnnxSession } from '../../engines/onnx/session.js';
import type { WorkloadRun } from '../types.js';

// Placeholder while the implementation is being built.
export const helloOnnx: WorkloadRun<OnnxSession> = async () => {
  throw new Error('helloOnnx: not built yet');
};
