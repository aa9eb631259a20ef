import { readFileSync } from 'node:fs';
import { kitNumber } from '../engines/python/protocol.js';

export { kitNumber };
import type { PythonSession } from '../engines/python/session.js';
import type { Measurement, ParamValue, WorkloadContext } from './types.js';

export interface KitCall {
  /** Hyperparameters as the workload read and checked them. */
  params: Record<string, ParamValue>;
  /** Dataset ids whose verified files the kit reads itself (MNIST's idx files). */
  datasets?: readonly string[];
  inputs?: Record<string, unknown>;
}

/** Runs a workload's kit on the session with the case's seed, output folder, progress and abort signal. */
export async function runKit(session: PythonSession, ctx: WorkloadContext, kit: string | { file: string }, call: KitCall): Promise<unknown> {
  const data: Record<string, Record<string, string>> = {};
  for (const dataset of call.datasets ?? []) data[dataset] = await ctx.data.files(dataset);
  return session.runKit(kit, { params: call.params, seed: ctx.seed, data, inputs: call.inputs ?? {}, outDir: ctx.outDir }, { signal: ctx.signal, progress: ctx.progress });
}

/** A kit's per-variable change (relative, see training/variable-change.ts) summarised as the tfjs workloads report it. */
export function summarizeVariableChange(byVariable: Record<string, unknown>): { least: Measurement; leastName: string; byVariable: Record<string, number> } {
  const entries = Object.entries(byVariable).map(([name, value]) => [name, kitNumber(value)] as const);
  if (entries.length === 0) return { least: { value: 0, unit: 'relative' }, leastName: '(none)', byVariable: {} };
  const [leastName, least] = entries.reduce((a, b) => (b[1] < a[1] ? b : a));
  return {
    least: { value: Number(least.toPrecision(4)), unit: 'relative' },
    leastName,
    byVariable: Object.fromEntries(entries.map(([name, value]) => [name, Number(value.toPrecision(4))])),
  };
}

/** A list of numbers from a kit (non-finite ones arrive as strings). */
export function kitNumbers(values: unknown): number[] {
  return Array.isArray(values) ? values.map(kitNumber) : [];
}

/** A little-endian float32 file a kit wrote (copied, so the view is aligned whatever Buffer pooling did). */
export function readFloat32File(file: string): Float32Array {
  const bytes = readFileSync(file);
  const copy = new Uint8Array(bytes.byteLength - (bytes.byteLength % 4));
  copy.set(bytes.subarray(0, copy.byteLength));
  return new Float32Array(copy.buffer);
}
