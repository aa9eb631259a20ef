import type { ComputeGpu } from '../engines/compute-gpu.js';
import type { EngineId, EngineOptions, EngineOptionsByEngine } from '../engines/types.js';
import type { CaseJudgement } from '../references/case-judgement.js';
import type { ParamValue, ProfileId } from '../workloads/types.js';

export interface CaseSpec {
  /** `workload/engine/backend`, unique in a run. */
  id: string;
  workload: string;
  engine: EngineId;
  /** Requested backend; undefined: the engine's best available. */
  backend?: string;
  profile: ProfileId;
  seed: number;
  params: Record<string, ParamValue>;
  timeoutSeconds: number;
  /** Threads the engine may use (wasm workers, onnxruntime intra-op threads). */
  threads?: number;
  dataDir?: string;
  outDir: string;
  /** A module exporting `workload` (a Workload) for workloads that are not built in (test fixtures). */
  workloadModule?: string;
  /** The images a workload that classifies images is shown (imagenet-images keys, those its expected labels name). */
  images?: string[];
  /** What the case's output is judged by, resolved when the run was planned (read before the run, so a bad file is a usage error). */
  judgement: CaseJudgement;
  /** The engine's own options (the python engine's interpreter, modules, kit or kernel), handed to it unread. */
  engineOptions?: EngineOptions;
  /**
   * The GPUs in scope, by CUDA ordinal under CUDA_DEVICE_ORDER=PCI_BUS_ID, PCI address and UUID,
   * each with why it is not computed on, if so (runner/compute-gpus.ts); absent: none known.
   */
  gpus?: ComputeGpu[];
}

/** The options that shape a plan, as the operator gave them (kept in run.json, so that --resume can tell a contradiction). */
export interface PlanRequest {
  /** Workload ids; empty: the built-in workloads the profile lists. */
  workloads?: readonly string[];
  engines?: readonly EngineId[];
  /** Backend names; each applies to the engines that have it. Empty: the engine's best available. */
  backends?: readonly string[];
  profile: ProfileId;
  seed: number;
  /** --data-dir: absent or empty, the cases look in MLCHECK_DATA_DIR, the cache and system folders. */
  dataDir?: string;
  /** Overrides the profile's per-workload watchdog. */
  timeoutSeconds?: number;
  /** Threads per case; default: every CPU this process may run on (affinity and cgroup aware). */
  threads?: number;
  /** Hyperparameter overrides per workload id, applied after the profile's (e.g. inception's model). */
  paramOverrides?: Readonly<Record<string, Record<string, ParamValue>>>;
  /** Each engine's own options, given to each of its cases; the engine also says which backends they plan without --backend. */
  engineOptions?: EngineOptionsByEngine;
}
