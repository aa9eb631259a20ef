import path from 'node:path';
import { installedEngineCudaNeeds } from '../engines/cuda-needs.js';
import { ENGINE_IDS, type EngineId } from '../engines/types.js';
import { probeNode, withExpectedGpus, type ProbeNodeOptions, type ProbeSnapshot } from '../probe/index.js';
import { loadNodeReferences, type NodeClass, type NodeReferenceFile } from '../references/node-references.js';
import { UsageError, describeError } from '../util/errors.js';
import type { ParamValue } from '../workloads/types.js';
import type { CliContext } from './context.js';

/** What `run` and `bench` share: the probe snapshot, engine names, signals, overrides, references. */

/** Every probe the CLI takes judges the driver against the engines installed here (gpu-driver-compat). */
export async function takeProbe(context: CliContext, options: ProbeNodeOptions = {}): Promise<ProbeSnapshot | null> {
  try {
    return await probeNode({ engineCudaNeeds: installedEngineCudaNeeds(), ...options });
  } catch (error) {
    context.err(`mlcheck: the hardware probe failed, continuing without it: ${describeError(error)}`);
    return null;
  }
}

/** The node flags `run` and `bench` share: which packages must pass, how many GPUs there must be. */
export interface NodeExpectationFlags {
  requirePackage?: string[];
  expectGpus?: number;
  /** A Slurm prolog: another process on the job's GPUs fails the node (gpu-processes). */
  checkGpuProcesses?: boolean;
}

export function probeOptions(flags: NodeExpectationFlags): ProbeNodeOptions {
  return {
    requiredPackages: flags.requirePackage ?? [],
    ...(flags.checkGpuProcesses === true && { checkGpuProcesses: true }),
    ...(flags.expectGpus !== undefined && { expectedGpus: { count: flags.expectGpus, source: '--expect-gpus' } }),
  };
}

/** A node class's GPU count applies when --expect-gpus did not set one. */
export function applyNodeClassExpectation(probe: ProbeSnapshot | null, nodeClass: NodeClass | null, references: NodeReferenceFile): ProbeSnapshot | null {
  if (probe === null || probe.expectedGpus !== null || nodeClass?.expectGpus === undefined) return probe;
  return withExpectedGpus(probe, { count: nodeClass.expectGpus, source: `node class ${nodeClass.id} (${references.file})` });
}

export function parseEngines(names: readonly string[]): EngineId[] {
  for (const name of names) {
    if (!ENGINE_IDS.includes(name as EngineId)) throw new UsageError(`unknown engine "${name}"`, { expected: ENGINE_IDS.join(', ') });
  }
  return names as EngineId[];
}

/** Hyperparameter overrides from flags that name one workload's input (`--model` is inception's). */
export function workloadOverrides(flags: { model?: string }): Record<string, Record<string, ParamValue>> {
  return flags.model ? { inception: { model: path.resolve(flags.model) } } : {};
}

export function loadReferenceFile(file: string | undefined): NodeReferenceFile {
  return file ? loadNodeReferences(path.resolve(file)) : loadNodeReferences();
}

/**
 * Runs `work` with an AbortSignal that SIGINT/SIGTERM trigger, or the deadline: the running case
 * is stopped and the caller still writes its report (an interrupted run is undecided, exit 3, so
 * the checker's own deadline never drains a node). A second signal is not needed and is ignored.
 */
export async function withInterruptSignal<T>(context: CliContext, what: string, work: (signal: AbortSignal) => Promise<T>, options: { deadlineSeconds?: number } = {}): Promise<T> {
  const controller = new AbortController();
  const stop = (why: string): void => {
    if (controller.signal.aborted) return;
    context.err(`\nmlcheck: ${why}: stopping the running case and ${what}`);
    controller.abort(why);
  };
  const onSignal = (signal: NodeJS.Signals): void => stop(`${signal} received`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const deadline = options.deadlineSeconds === undefined ? undefined : setTimeout(() => stop(`deadline of ${options.deadlineSeconds} s reached`), options.deadlineSeconds * 1000);
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(deadline);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
