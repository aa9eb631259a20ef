import type * as ort from 'onnxruntime-node';
import type { BackendStatus, EngineSession } from '../types.js';

/** onnxruntime-node with the execution providers this session was opened with. */
export interface OnnxSession extends EngineSession {
  readonly ort: typeof ort;
  /** The providers passed to every InferenceSession, best first (e.g. ["cuda", "cpu"]). */
  readonly executionProviders: readonly string[];
  /** Intra-op threads given to every InferenceSession; undefined: onnxruntime's default. */
  readonly threads: number | undefined;
  /** Providers that were preferred but unavailable when this session picked its backend, with reasons. */
  readonly skippedProviders: readonly BackendStatus[];
  /** Creates an InferenceSession on this session's providers; errors name the model file. */
  createInferenceSession(model: string | Uint8Array): Promise<ort.InferenceSession>;
}
