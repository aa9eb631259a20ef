import type { EngineInfo, EngineSecrets } from '../engines/types.js';
import type { Progress, WorkloadOutput } from '../workloads/types.js';
import type { CaseSpec } from './types.js';

/**
 * What a case needs but must not have in its environment (which its interpreters, module shells
 * and their children inherit) nor in run.json: handed over in the start message.
 */
export type CaseSecrets = EngineSecrets;

/** Messages between the runner and a case's child process (Node IPC, JSON-serialisable). */
export type ParentMessage = { type: 'start'; spec: CaseSpec; secrets?: CaseSecrets };

export type ChildMessage =
  | { type: 'phase'; phase: 'setup' }
  /**
   * The workload starts. `gpu`: its session is open on a GPU backend (ENGINE_GPU_BACKENDS), so
   * from here on the case is GPU work, and a hang is the GPU's (references/timeout-outcome.ts).
   */
  | { type: 'phase'; phase: 'run'; gpu: boolean }
  | { type: 'engine'; info: EngineInfo; setupSeconds: number }
  | { type: 'progress'; event: Progress }
  /** runSeconds: the workload itself, without process start-up and engine set-up. */
  | { type: 'done'; output: WorkloadOutput; runSeconds: number }
  /** `skip`: a stated requirement is missing; `fail`: the workload or framework failed; phase `crash`: the framework's own process (python) crashed. */
  | { type: 'stopped'; outcome: 'skip' | 'fail' | 'error'; phase: 'setup' | 'run' | 'crash' | 'interrupted'; reason: string };
