import type { Engine } from '../types.js';
import type { TfjsSession } from './session.js';

// Placeholder while the engine is being built.
export const tfjsEngine: Engine<TfjsSession> = {
  id: 'tfjs',
  detect: async () => [],
  open: async () => {
    throw new Error('tfjs engine: not built yet');
  },
};
