import type { ComputeGpu } from './compute-gpu.js';

/** The engine interface: workloads depend only on this, never on a framework package directly. */
export type EngineId = 'tfjs' | 'onnx' | 'python';

export const ENGINE_IDS: readonly EngineId[] = ['tfjs', 'onnx', 'python'];

/**
 * The engines a plan uses when none is named. The python engine runs the node's own frameworks
 * and is chosen explicitly (--engine python, --modules, --python), so a node without PyTorch
 * is not failed under --strict for a check nobody asked for.
 */
export const DEFAULT_ENGINE_IDS: readonly EngineId[] = ['tfjs', 'onnx'];

/** tfjs backends in preference order: the first available one is used unless `--backend` says otherwise. */
export const TFJS_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type TfjsBackendName = (typeof TFJS_BACKENDS)[number];

/** onnxruntime execution providers in preference order: TensorRT builds the fastest engines, CUDA next, the CPU always works. */
export const ONNX_PROVIDERS = ['tensorrt', 'cuda', 'cpu'] as const;
export type OnnxProvider = (typeof ONNX_PROVIDERS)[number];

/**
 * The python engine's backends, framework-device. Not tfjs's names (tensorflow-gpu, tensorflow):
 * `--backend` applies to every engine that has the name, and TensorFlow under Python is not
 * tfjs's libtensorflow.
 */
export const PYTHON_BACKENDS = ['pytorch-cuda', 'pytorch-cpu', 'tensorflow-cuda', 'tensorflow-cpu'] as const;

/** Backend names per engine, in preference order; known statically so a plan needs no framework. */
export const ENGINE_BACKENDS: Readonly<Record<EngineId, readonly string[]>> = {
  tfjs: TFJS_BACKENDS,
  onnx: ONNX_PROVIDERS,
  python: PYTHON_BACKENDS,
};

/** The backend that proves an engine's CUDA path works, planned on every node with an NVIDIA GPU. */
export const ENGINE_GPU_BACKEND: Readonly<Record<EngineId, string>> = {
  tfjs: 'tensorflow-gpu',
  onnx: 'cuda',
  // One per framework in truth: the plan asks the python engine's options (EngineOptionsDefinition.plannedBackends).
  python: 'pytorch-cuda',
};

/**
 * The backends whose work runs on an NVIDIA GPU: once a case's session is open on one of these
 * (EngineInfo.backend names what it actually runs on), its run phase is GPU work.
 */
export const ENGINE_GPU_BACKENDS: Readonly<Record<EngineId, readonly string[]>> = {
  tfjs: ['tensorflow-gpu'],
  onnx: ['tensorrt', 'cuda'],
  python: ['pytorch-cuda', 'tensorflow-cuda'],
};

/** How far a workload is, as it tells the runner (and a python kit tells its engine). */
export interface Progress {
  /** e.g. "load", "train", "eval". */
  phase: string;
  message: string;
  step?: number;
  totalSteps?: number;
  epoch?: number;
  loss?: number;
}

/** One backend of an engine (tfjs: tensorflow-gpu | tensorflow | wasm | cpu; onnx: tensorrt | cuda | cpu). */
export interface BackendStatus {
  backend: string;
  available: boolean;
  /** Why it cannot be used here, with the fix; null when available. */
  reason: string | null;
  /**
   * Every stated requirement holds and the backend still failed when tried (a test session that
   * threw or answered wrong): a fault of the node, so a case that asks for it fails, not skips.
   */
  faulty?: boolean;
}

/**
 * An engine's own options (the python engine's interpreter, modules, kit, Jupyter kernel), as
 * plain JSON: they travel in run.json and to the case's process. Only the engine that owns them
 * reads them, and it checks them first; the CLI, the plan and the runner pass them on unread.
 */
export type EngineOptions = unknown;

/** Each engine's options, by engine, as a plan request carries them. */
export type EngineOptionsByEngine = Partial<Readonly<Record<EngineId, EngineOptions>>>;

/** The secrets a case's engine needs (a server's token), by name: the runner reads them and hands them over IPC, never in the environment nor in run.json. */
export type EngineSecrets = Readonly<Record<string, string>>;

/** What the runner publishes for a case that its engine ran elsewhere than in mlcheck's own processes (EngineInfo.via). */
export interface EngineVia {
  /** The report's `via`, e.g. `jupyter`. */
  name: string;
  /** Published under `name` beside it (schema/report.schema.json). */
  facts: object;
}

/** What a case actually ran on. A session asked for CUDA that fell back to CPU reports `cpu`. */
export interface EngineInfo {
  engine: EngineId;
  backend: string;
  /** e.g. "CPU (2 threads, wasm SIMD)", "NVIDIA A100-SXM4-40GB (GPU 0)". */
  device: string;
  /** Package and runtime versions, e.g. {"@tensorflow/tfjs-core": "4.22.0"}. */
  versions: Record<string, string>;
  /** The engine ran the case elsewhere than in mlcheck's own processes (the python engine: in a Jupyter kernel). */
  via?: EngineVia;
}

export interface EngineSession {
  readonly info: EngineInfo;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A backend name from `detect()`; undefined picks the first available in preference order. */
  backend?: string;
  /** Threads to use where the backend lets us choose. */
  threads?: number;
  /** The workload trains: load what gradients need (default true). */
  training?: boolean;
  /** The engine's own options (CaseSpec.engineOptions), which it checks before it uses them. */
  engineOptions?: EngineOptions;
  /** The case was stopped (Ctrl-C, the watchdog): an engine that started something remote stops it. */
  signal?: AbortSignal;
  /**
   * The GPUs in scope (CaseSpec.gpus), each with why it is not computed on, if so. A GPU backend
   * opens on the computable ones (compute-gpu.ts sessionGpus) and proves it works on each.
   */
  gpus?: readonly ComputeGpu[];
  /** The workload computes on every GPU in scope (hello), not only on the first. */
  computeOnEveryGpu?: boolean;
  /** The secrets its options need (a Jupyter server's token), from the runner over IPC (never the environment). */
  secrets?: EngineSecrets;
}

export interface Engine<S extends EngineSession = EngineSession> {
  readonly id: EngineId;
  /** Every backend in preference order, each with whether it is usable here and why not. */
  detect(): Promise<BackendStatus[]>;
  /** Throws RequirementError (with the reason from detect) when the backend is unavailable. */
  open(options?: OpenOptions): Promise<S>;
}
