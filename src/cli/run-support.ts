import path from 'node:path';
import type { Interruptible } from '../check/types.js';
import { ENGINE_IDS, type EngineId } from '../engines/types.js';
import { UsageError } from '../util/errors.js';
import { checkTrustedPath } from '../util/trusted-path.js';
import type { PlanRequest } from '../runner/types.js';
import type { CliContext } from './context.js';
import { selectEngines } from './engine-options.js';
import type { CaseFlags } from './shared-options.js';

/** What `run`, `bench` and `slurm check` share: the plan from the flags, signals, the test workloads. */

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

/** withInterruptSignal for a check of the node (check/check-node.ts): it decides which steps the window covers. */
export function interruptibleBy(context: CliContext, what: string): Interruptible {
  return (work, options) => withInterruptSignal(context, what, work, options);
}
