import type * as ort from 'onnxruntime-node';
import type { EngineSession } from '../types.js';

/** onnxruntime-node with the execution providers this session was opened with. */
export interface OnnxSession extends EngineSession {
  readonly ort: typeof ort;
  /** The providers passed to every InferenceSession, best first (e.g. ["cuda", "cpu"]). */
  readonly executionProviders: readonly string[];
  /** Creates an InferenceSession on this session's providers; errors name the model file. */
  createInferenceSession(model: string | Uint8Array): Promise<ort.InferenceSession>;
}
