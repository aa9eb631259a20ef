import type { Progress } from '../types.js';
import type { FrameworkFacts } from './facts.js';

/** The JSON lines between mlcheck and kits/python/host.py (documented there). */
export type HostRequest =
  /** gpus: the CUDA ordinals to open on, in mlcheck's order (empty: GPU 0). */
  | { type: 'open'; framework: string; device: string; threads: number | null; training: boolean; gpus: number[] }
  | { type: 'run'; kit: string | null; file: string | null; request: KitRequest }
  | { type: 'close' };

export type HostErrorKind = 'requirement' | 'data' | 'usage' | 'failure';

export type HostMessage =
  /** host, cpu and slurm: from a kernel (kits/python/jupyter_bridge.py), which may run on another node. */
  | { type: 'hello'; protocol: number; python: string; executable: string; pid: number; host?: string; cpu?: string | null; slurm?: { jobId: string; node: string | null } | null }
  | { type: 'opened'; facts: FrameworkFacts }
  | { type: 'progress'; event: Progress }
  | { type: 'result'; output: unknown }
  | { type: 'error'; kind: HostErrorKind; message: string; traceback?: string; missingImport?: string };

/** What a kit is given: hyperparameters already checked by the workload, data paths, extra inputs. */
export interface KitRequest {
  params: Record<string, number | string | boolean>;
  seed: number;
  /** Dataset id -> file key -> absolute path (verified by mlcheck's dataset registry). */
  data: Record<string, Record<string, string>>;
  /** Workload-specific inputs (iris rows, the MatMul check's files). */
  inputs: Record<string, unknown>;
  outDir: string;
}

/** JSON has no NaN or Infinity; the host sends them as these strings. */
export function kitNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}
