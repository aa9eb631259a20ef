import type { PythonEnvironmentSpec } from '../engines/python/backends.js';
import type { EngineId } from '../engines/types.js';
import type { ExpectedLabel, ParamValue, ProfileId } from '../workloads/types.js';

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
  /** The profile's expected labels, for a workload that classifies images (read before the run, so a bad file is a usage error). */
  expectedLabels?: ExpectedLabel[];
  /** The python engine's interpreter, environment modules and kit. */
  python?: PythonEnvironmentSpec;
}
