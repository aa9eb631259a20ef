import type { DataDir, DataDirSource } from './data-path.js';

/** One thing wrong in a kernel.json: where (file, JSON path), what, and how to fix it. */
export interface KernelspecProblem {
  file: string;
  /** e.g. "$.argv[0]", "$.metadata.process_proxy.config.environ". */
  path: string;
  message: string;
  fix: string;
}

export interface KernelspecReport {
  name: string;
  file: string;
  source: DataDirSource;
  displayName: string | null;
  language: string | null;
  /** The gateway's process proxy class, e.g. "...SlurmProcessProxy"; null for a kernel the server starts itself. */
  processProxy: string | null;
  /** The kernel.json of the same name Jupyter uses instead (this one is not checked); null when this one is used. */
  shadowedBy: string | null;
  problems: KernelspecProblem[];
}

export interface KernelspecsReport {
  schemaVersion: 1;
  kind: 'mlcheck-jupyter-kernels';
  dataPath: DataDir[];
  /** The module system used to resolve the modules kernels load; null when no kernel names one. */
  moduleSystem: { initScript: string | null; error: string | null } | null;
  kernelspecs: KernelspecReport[];
}

/** Whether a module resolves on this node: null when it does, else why not. */
export type ModuleResolver = (name: string) => Promise<string | null>;
