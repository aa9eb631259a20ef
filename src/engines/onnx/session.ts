import type * as ort from 'onnxruntime-node';
import type { ComputeGpu } from '../compute-gpu.js';
import type { BackendStatus, EngineSession } from '../types.js';
import type { OnnxProvider } from '../types.js';

export interface InferenceSessionOptions {
  /**
   * Turns on ONNX Runtime's profiler, which records the provider of every node run. A path
   * prefix (under the case's directory); read the file with profile-file.ts's endProfiling.
   */
  profileFilePrefix?: string;
  /** ONNX Runtime's device_id for the GPU providers; default: the session's first GPU (0 when none is named). */
  deviceId?: number;
}

/** onnxruntime-node with the execution providers this session was opened with. */
export interface OnnxSession extends EngineSession {
  readonly ort: typeof ort;
  /** The provider this session was opened for (its backend). */
  readonly provider: OnnxProvider;
  /** The providers passed to every InferenceSession, best first (e.g. ["cuda", "cpu"]). */
  readonly executionProviders: readonly string[];
  /** Intra-op threads given to every InferenceSession; undefined: onnxruntime's default. */
  readonly threads: number | undefined;
  /** Providers that were preferred but unavailable when this session picked its backend, with reasons. */
  readonly skippedProviders: readonly BackendStatus[];
  /**
   * The GPUs the session was opened and its provider tried on, ordinal = ONNX Runtime's device_id
   * in this process; empty on the CPU, or when no GPU was named (then device 0).
   */
  readonly gpus: readonly ComputeGpu[];
  /**
   * Creates an InferenceSession on this session's providers. A model that does not load is a
   * DataError naming the file; a model that loads on the CPU but not on the GPU provider is a
   * plain Error (the node is at fault, so the case fails).
   */
  createInferenceSession(model: string | Uint8Array, options?: InferenceSessionOptions): Promise<ort.InferenceSession>;
}
