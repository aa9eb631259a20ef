import type { Engine, EngineId, EngineSession } from './types.js';

/**
 * Engines load lazily: importing this module loads no framework, so `mlcheck probe` and
 * `mlcheck datasets` stay fast and an engine whose package is missing cannot break the others.
 */
export async function loadEngine(id: EngineId): Promise<Engine<EngineSession>> {
  switch (id) {
    case 'tfjs':
      return (await import('./tfjs/index.js')).tfjsEngine;
    case 'onnx':
      return (await import('./onnx/index.js')).onnxEngine;
    case 'python':
      return (await import('./python/index.js')).pythonEngine;
  }
}
