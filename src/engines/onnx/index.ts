import type { Engine } from '../types.js';
import type { OnnxSession } from './session.js';

// Placeholder while the engine is being built.
export const onnxEngine: Engine<OnnxSession> = {
  id: 'onnx',
  detect: async () => [],
  open: async () => {
    throw new Error('onnx engine: not built yet');
  },
};
