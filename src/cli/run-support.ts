import path from 'node:path';
import { installedEngineCudaNeeds } from '../engines/cuda-needs.js';
import { ENGINE_IDS, type EngineId } from '../engines/types.js';
import { collectProbeFacts, judgeProbe, type JudgeProbeOptions, type ProbeFacts, type ProbeNodeOptions, type ProbeSnapshot } from '../probe/index.js';
import type { NodeClass, NodeReferenceFile } from '../references/node-references.js';
import { UsageError, describeError } from '../util/errors.js';
import { checkTrustedPath } from '../util/trusted-path.js';
import type { PlanRequest } from '../runner/types.js';
import type { CliContext } from './context.js';
import { selectEngines } from './engine-options.js';
import type { CaseFlags } from './shared-options.js';

/** What `run` and `bench` share: the probe snapshot, the plan from the flags, signals, references. */

export interface TakenProbe {
  /** The judged snapshot; null when the probe itself failed (the run goes on without it). */
  probe: ProbeSnapshot | null;
  nodeClass: NodeClass | null;
}

/**
 * Probe, node class, verdicts, each once: collects the node's facts, chooses its node class on
 * them (by GPU or CPU model; the choice sees null when the probe failed), then judges the facts
 * once against --expect-gpus (else the class's GPU count) and the class's other expectations.
 * Every probe the CLI takes judges the driver against the engines installed here
 * (gpu-driver-compat). A probe that fails is said on stderr; a class that cannot be chosen
 * (an unknown --node-class) throws.
 */
export async function takeProbe(
  context: CliContext,
  options: ProbeNodeOptions,
  chooseNodeClass: (facts: ProbeFacts | null) => NodeClass | null,
  references: NodeReferenceFile,
): Promise<TakenProbe> {
  const { expectedGpus, ...collect } = options;
  const facts = await probeStep(context, () => collectProbeFacts({ engineCudaNeeds: installedEngineCudaNeeds(), ...collect }));
  const nodeClass = chooseNodeClass(facts);
  if (facts === null) return { probe: null, nodeClass };
  const expectations = nodeClassExpectations(nodeClass, references);
  const probe = await probeStep(context, async () =>
    judgeProbe(facts, { ...expectations, expectedGpus: expectedGpus ?? expectations.expectedGpus ?? null }),
  );
  return { probe, nodeClass };
}

async function probeStep<T>(context: CliContext, step: () => Promise<T>): Promise<T | null> {
  try {
    return await step();
  } catch (error) {
    context.err(`mlcheck: the hardware probe failed, continuing without it: ${describeError(error)}`);
    return null;
  }
}

/** A node class's expectations (references/nodes.yaml `expect`): its GPU count, and the rest for the node-class verdict. */
function nodeClassExpectations(nodeClass: NodeClass | null, references: NodeReferenceFile): Pick<JudgeProbeOptions, 'expectedGpus' | 'nodeClass'> {
  const expect = nodeClass?.expect;
  if (nodeClass === null || expect === undefined) return {};
  const source = `node class ${nodeClass.id} (${references.file})`;
  return {
    ...(expect.gpus !== undefined && { expectedGpus: { count: expect.gpus, source } }),
    nodeClass: {
      id: nodeClass.id,
      source: references.file,
      ...(expect.gpuModel !== undefined && { gpuModel: expect.gpuModel }),
      ...(expect.gpuMemoryGiB !== undefined && { gpuMemoryGiB: expect.gpuMemoryGiB }),
      ...(expect.driver !== undefined && { minDriverVersion: expect.driver }),
      ...(expect.mig !== undefined && { mig: expect.mig }),
    },
  };
}

/**
 * Test hook: MLCHECK_TEST_WORKLOADS lists modules (separated by ':') that each export a test-only
 * `workload`, which `run` and `slurm check` then plan like a shipped one (a case that crashes,
 * hangs or starts slowly, end to end through the CLI). For tests; on a node leave it unset. Like
 * all code root loads, each module must pass the trust check (docs/security.md), else exit 2.
 */
export function testWorkloadModules(env: NodeJS.ProcessEnv = process.env): string[] {
  const modules = (env.MLCHECK_TEST_WORKLOADS ?? '').split(':').filter((module) => module.length > 0);
  for (const module of modules) {
    const trust = checkTrustedPath(module);
    if (!trust.trusted) throw new UsageError(`refusing to load MLCHECK_TEST_WORKLOADS module ${module}: ${trust.problem}`, { file: module, fix: trust.fix });
  }
  return modules;
}

/**
 * The plan options the shared flags set (--ep p is --engine onnx --backend p); only those given,
 * so that a resumed run can be checked against exactly what was asked again.
 */
export async function planRequest(flags: CaseFlags, context: CliContext): Promise<Omit<PlanRequest, 'workloads' | 'seed'>> {
  let backends = flags.backend ?? [];
  let engineNames = flags.engine ?? [];
  if (flags.ep !== undefined) {
    if (engineNames.some((e) => e !== 'onnx')) throw new UsageError('--ep selects an onnx execution provider; it cannot be combined with another --engine');
    engineNames = ['onnx'];
    backends = [...backends, flags.ep];
  }
  for (const name of engineNames) {
    if (!ENGINE_IDS.includes(name as EngineId)) throw new UsageError(`unknown engine "${name}"`, { expected: ENGINE_IDS.join(', ') });
  }
  const { engines, engineOptions } = await selectEngines(flags, engineNames as EngineId[], backends, context);
  return {
    engines,
    backends,
    ...(engineOptions !== undefined && { engineOptions }),
    profile: flags.profile,
    ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }),
    ...(flags.timeout !== undefined && { timeoutSeconds: flags.timeout }),
    ...(flags.threads !== undefined && { threads: flags.threads }),
    // --model names inception's input.
    paramOverrides: flags.model ? { inception: { model: path.resolve(flags.model) } } : {},
  };
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
