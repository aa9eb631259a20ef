import type { Workload } from './types.js';
import { hello } from './hello/index.js';
import { inception } from './inception/index.js';
import { iris } from './iris/index.js';
import { lenet } from './lenet/index.js';
import { vae } from './vae/index.js';

/** The shipped workloads, in the order a run executes them (cheapest first). */
export const builtinWorkloads: readonly Workload[] = [hello, iris, inception, lenet, vae];

export function findWorkload(id: string): Workload | undefined {
  return builtinWorkloads.find((w) => w.id === id);
}
