import type { EngineInfo } from '../engines/types.js';
import type { Progress, WorkloadOutput } from '../workloads/types.js';
import type { CaseSpec } from './types.js';

/** Messages between the runner and a case's child process (Node IPC, JSON-serialisable). */
export type ParentMessage = { type: 'start'; spec: CaseSpec };

export type ChildMessage =
  | { type: 'phase'; phase: 'setup' | 'run' }
  | { type: 'engine'; info: EngineInfo; setupSeconds: number }
  | { type: 'progress'; event: Progress }
  /** runSeconds: the workload itself, without process start-up and engine set-up. */
  | { type: 'done'; output: WorkloadOutput; runSeconds: number }
  /** `skip`: a stated requirement is missing; `fail`: the workload or framework failed; phase `crash`: the framework's own process (python) crashed. */
  | { type: 'stopped'; outcome: 'skip' | 'fail' | 'error'; phase: 'setup' | 'run' | 'crash' | 'interrupted'; reason: string };
