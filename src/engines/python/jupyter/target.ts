import type { EngineVia } from '../../types.js';

/** A kernel on a Jupyter server, as `mlcheck run --jupyter URL --kernel NAME` names it. The token is never here: it is read where it is used. */
export interface JupyterTarget {
  /** The server's base URL, ending in `/` (a JupyterHub user server's includes /user/<name>/). */
  url: string;
  /** The kernelspec name the server starts. */
  kernel: string;
  /** --jupyter-token-file, absolute; absent: JUPYTER_TOKEN. */
  tokenFile?: string;
  /** Time the kernel gets from the start request to its first answer. */
  startTimeoutSeconds: number;
}

/** Where and how fast the kernel started, for the case record. */
export interface JupyterKernelFacts {
  server: string;
  kernel: string;
  kernelId: string | null;
  /** From the start request to the kernel's kernel_info reply. */
  startSeconds: number | null;
  /** The round trip of the first execute request (a no-op) once the kernel answered. */
  firstExecuteSeconds: number | null;
  /** The kernel's host name, and its Slurm job and node when it runs inside one. */
  host: string | null;
  slurm: { jobId: string; node: string | null } | null;
}

/** A case run in a kernel, as its record publishes it: `via: "jupyter"` and the kernel's facts under `jupyter` (schema/report.schema.json). */
export function jupyterVia(facts: JupyterKernelFacts): EngineVia {
  return { name: 'jupyter', facts };
}

/** What a case's record says of a kernel that never started: the server and kernel asked for. */
export function unstartedKernelFacts(target: JupyterTarget): JupyterKernelFacts {
  return { server: target.url, kernel: target.kernel, kernelId: null, startSeconds: null, firstExecuteSeconds: null, host: null, slurm: null };
}
