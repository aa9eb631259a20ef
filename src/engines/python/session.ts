import type { ComputeGpu } from '../compute-gpu.js';
import type { Progress } from '../types.js';
import type { EngineSession } from '../types.js';
import type { PythonDevice, PythonEnvironmentSpec, PythonFramework, PythonKit } from './backends.js';
import type { FrameworkFacts } from './facts.js';
import type { KitRequest } from './protocol.js';

/** The interpreter and environment a session's kits (and installed examples) run in. */
export interface PythonEnvironment {
  interpreter: string;
  /** The environment after the modules were loaded (the node's own, when none were). */
  env: NodeJS.ProcessEnv;
  /** The environment before (to tell which paths the modules added). */
  baseEnv: NodeJS.ProcessEnv;
  /** LOADEDMODULES after loading, e.g. ["shared", "pytorch-py37-cuda10.2-gcc/1.13.1"]. */
  loadedModules: string[];
  spec: PythonEnvironmentSpec;
}

export interface KitRunOptions {
  signal: AbortSignal;
  progress(event: Progress): void;
}

export interface ScriptRunOptions {
  cwd: string;
  /** Added to the session's environment for this script (HOME for staged caches, ...). */
  env?: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Each line the script prints on stdout, as it prints it. */
  onLine?(line: string): void;
}

export interface ScriptResult {
  stdout: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string[];
}

/**
 * A framework opened in the node's own Python on one device: workloads send it a kit to run (or
 * run an installed example script in the same environment) and judge what comes back.
 */
export interface PythonSession extends EngineSession {
  readonly framework: PythonFramework;
  readonly device: PythonDevice;
  readonly kit: PythonKit;
  readonly facts: FrameworkFacts;
  readonly environment: PythonEnvironment;
  /** The GPUs the framework was opened on (cuda), by CUDA ordinal; empty on the CPU or when none was named (GPU 0). */
  readonly gpus: readonly ComputeGpu[];
  /** Runs kits/python/mlcheck_kits/<framework>/<kit>.py (or a kit file) and returns its output object. */
  runKit(kit: string | { file: string }, request: KitRequest, options: KitRunOptions): Promise<unknown>;
  /** Runs a script with the session's interpreter and environment, unchanged. */
  runScript(script: string, args: readonly string[], options: ScriptRunOptions): Promise<ScriptResult>;
}
