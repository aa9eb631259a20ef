import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProbeSnapshot } from '../probe/index.js';
import { ensureDirectory } from '../util/ensure-directory.js';
import { UsageError } from '../util/errors.js';
import { packageVersion } from '../util/package-info.js';
import type { Progress } from '../workloads/types.js';
import { judgeCase } from '../references/judge-case.js';
import type { NodeClass } from '../references/node-references.js';
import { loadProfiles, type ProfileFile } from '../references/profiles.js';
import type { CaseResult, RunRecord, RunSession, SlurmJobOfRun } from '../references/results.js';
import { decideTimeout } from '../references/timeout-outcome.js';
import { runAttempts } from './case-attempts.js';
import { gpusToComputeOn } from './compute-gpus.js';
import { caseSecrets } from './case-secrets.js';
import { caseVia } from './case-via.js';
import { runIsolated, type IsolatedCase } from './isolate.js';
import { planCases, type PlanOptions } from './plan.js';
import { judgeOlderPlan } from './plan-judgement.js';
import { checkRunDirectory, clearPreviousRun, readCaseResults, readRunState, writeCaseResult, writeRunState, type RunState } from './run-dir.js';
import type { CaseSpec, PlanRequest } from './types.js';

export type RunEvent =
  /** watchdogSeconds: the case's watchdog, cut to the time left before the deadline where that is shorter. */
  | { type: 'case-start'; spec: CaseSpec; index: number; total: number; watchdogSeconds: number }
  | { type: 'case-progress'; spec: CaseSpec; event: Progress }
  | { type: 'case-end'; result: CaseResult; index: number; total: number }
  /** The case failed in a way that can be transient (a crash, a hang) and runs once more. */
  | { type: 'case-retry'; result: CaseResult; index: number; total: number }
  | { type: 'case-reused'; result: CaseResult };

export interface ExecuteOptions {
  probe: ProbeSnapshot | null;
  commandLine: readonly string[];
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /**
   * The node class whose performance references judge the cases; null or absent: only thresholds
   * judge. A resumed run judges with its plan's, and uses this only for a plan that has none.
   */
  nodeClass?: NodeClass | null;
  /** Acceptance: outside a performance reference fails instead of warning. */
  strict?: boolean;
  profiles?: ProfileFile;
  /** V8 heap limit of each case process. */
  maxOldSpaceMb?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * When the run must be over (milliseconds since the epoch): each case's watchdog is cut to end
   * DEADLINE_MARGIN_SECONDS before it, and a case cut short so is interrupted (undecided), never failed.
   */
  deadlineAt?: number;
  /** Run a case once more after a crash or a hang that counted as fail; only a repeat fails it (`slurm check`). */
  retryTransientFailures?: boolean;
}

/** Room after the last case before the deadline: a stopped case's kill grace and writing the result. */
export const DEADLINE_MARGIN_SECONDS = 3;

export type RunOptions = Omit<PlanOptions, 'profiles'> & ExecuteOptions;

/** Plans and runs every case, each isolated, writing each result the moment it ends. */
export async function runPlan(options: RunOptions): Promise<RunRecord> {
  const profiles = options.profiles ?? loadProfiles();
  const outDir = path.resolve(options.outDir);
  const plan = await planCases({ ...options, outDir, profiles, gpus: options.gpus ?? gpusToComputeOn(options.probe) });
  const session: RunSession = {
    id: randomUUID(),
    host: os.hostname(),
    user: os.userInfo().username,
    commandLine: [...options.commandLine],
    mlcheckVersion: packageVersion(),
    startedAt: new Date().toISOString(),
    endedAt: null,
    profile: options.profile,
    probe: options.probe,
    interrupted: false,
    outDir,
    slurm: slurmJobOfRun(options.env ?? process.env),
  };
  try {
    ensureDirectory(outDir);
  } catch (error) {
    throw new UsageError(`cannot create the run directory ${outDir}: ${(error as Error).message}`, { file: outDir, fix: 'give --out a writable directory' });
  }
  checkRunDirectory(outDir);
  // A fixed --out (a health check's) holds the previous run: none of its cases may count as this run's.
  clearPreviousRun(outDir);
  const request: PlanRequest = {
    workloads: options.workloads ?? [],
    engines: options.engines ?? [],
    backends: options.backends ?? [],
    profile: options.profile,
    seed: options.seed,
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    ...(options.timeoutSeconds !== undefined && { timeoutSeconds: options.timeoutSeconds }),
    ...(options.threads !== undefined && { threads: options.threads }),
    paramOverrides: options.paramOverrides ?? {},
  };
  return execute({ session, plan, request }, new Map(), profiles, options);
}

/** Finishes an interrupted run: keeps every case that ended, runs the rest with the same specs. */
export async function resumeRun(outDir: string, options: ExecuteOptions): Promise<RunRecord> {
  // Before run.json is read: a planted link could make root read (and quote) any file.
  if (existsSync(outDir)) checkRunDirectory(path.resolve(outDir));
  const state = readRunState(path.resolve(outDir));
  checkRunDirectory(state.session.outDir);
  const finished = new Map([...readCaseResults(state.session.outDir)].filter(([, result]) => result.failPhase !== 'interrupted'));
  const session: RunSession = { ...state.session, probe: state.session.probe ?? options.probe, endedAt: null, interrupted: false };
  const profiles = options.profiles ?? loadProfiles();
  return execute({ ...state, session, plan: judgeOlderPlan(state.plan, profiles, options.nodeClass ?? null) }, finished, profiles, options);
}

async function execute(state: RunState, finished: Map<string, CaseResult>, profiles: ProfileFile, options: ExecuteOptions): Promise<RunRecord> {
  writeRunState(state);
  const total = state.plan.length;
  const timeLeftSeconds = (): number | undefined => (options.deadlineAt === undefined ? undefined : (options.deadlineAt - Date.now()) / 1000 - DEADLINE_MARGIN_SECONDS);
  const cases: CaseResult[] = new Array<CaseResult>(total);
  let next = 0;
  const runCases = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      const spec = state.plan[index]!;
      const earlier = finished.get(spec.id);
      if (earlier) {
        cases[index] = earlier;
        options.onEvent?.({ type: 'case-reused', result: earlier });
        continue;
      }
      const left = timeLeftSeconds();
      if (options.signal?.aborted || (left !== undefined && left <= 0)) {
        state.session.interrupted = true;
        cases[index] = notStarted(spec, options.signal?.aborted ? 'the run was interrupted before this case' : "no time was left before the run's deadline");
        continue;
      }
      options.onEvent?.({ type: 'case-start', spec, index, total, watchdogSeconds: left === undefined ? spec.timeoutSeconds : Math.min(spec.timeoutSeconds, left) });
      const result = await runAttempts(
        async (timeLeft) => {
          const startedAt = new Date();
          const isolated = await runIsolated(spec, {
            onProgress: (event) => options.onEvent?.({ type: 'case-progress', spec, event }),
            ...(options.signal && { signal: options.signal }),
            ...(options.maxOldSpaceMb && { maxOldSpaceMb: options.maxOldSpaceMb }),
            ...(options.env && { env: options.env }),
            secrets: caseSecrets(spec),
            ...(timeLeft !== undefined && { timeLeftSeconds: timeLeft }),
          });
          return toCaseResult(spec, isolated, startedAt, new Date(), options);
        },
        {
          retryTransientFailures: options.retryTransientFailures === true,
          timeLeftSeconds,
          watchdogSeconds: spec.timeoutSeconds,
          ...(options.signal && { signal: options.signal }),
          onRetry: (first) => options.onEvent?.({ type: 'case-retry', result: first, index, total }),
        },
      );
      writeCaseResult(state.session.outDir, result);
      cases[index] = result;
      if (result.failPhase === 'interrupted') state.session.interrupted = true;
      options.onEvent?.({ type: 'case-end', result, index, total });
    }
  };
  const lanes = Math.max(1, Math.min(total, profiles.profiles[state.session.profile].concurrentCases));
  await Promise.all(Array.from({ length: lanes }, runCases));
  state.session.endedAt = new Date().toISOString();
  writeRunState(state);
  return { session: state.session, cases };
}

/** A planned case the interrupted run never reached: reported, so no planned check silently vanishes. */
function notStarted(spec: CaseSpec, why: string): CaseResult {
  const now = new Date();
  const result = toCaseResult(spec, { outcome: { kind: 'interrupted', reason: '' }, engine: null, setupSeconds: null, stderrTail: [] }, now, now, {
    probe: null,
    commandLine: [],
  });
  return { ...result, reason: `not started: ${why}` };
}

function toCaseResult(spec: CaseSpec, isolated: IsolatedCase, startedAt: Date, endedAt: Date, options: ExecuteOptions): CaseResult {
  const backend = isolated.engine?.backend ?? spec.backend ?? 'auto';
  const base: CaseResult = {
    id: spec.id,
    workload: spec.workload,
    engine: spec.engine,
    backend,
    // No engine was opened (a skip in setup, a crash before it): there is no device to name.
    device: isolated.engine?.device ?? '-',
    profile: spec.profile,
    outcome: 'error',
    failPhase: null,
    reason: null,
    seed: spec.seed,
    versions: isolated.engine?.versions ?? {},
    timings: {
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      wallSeconds: (endedAt.getTime() - startedAt.getTime()) / 1000,
      ...(isolated.setupSeconds !== null && { setupSeconds: isolated.setupSeconds }),
      ...(isolated.runSeconds !== undefined && { runSeconds: isolated.runSeconds }),
    },
    metrics: {},
    hyperparameters: { ...spec.params },
    lines: [],
    details: {},
    artifacts: [],
    ...caseVia(spec, isolated.engine),
  };
  const outcome = isolated.outcome;
  switch (outcome.kind) {
    case 'stopped':
      return { ...base, outcome: outcome.outcome, failPhase: outcome.outcome === 'skip' ? null : outcome.phase, reason: outcome.reason };
    case 'crashed':
      return {
        ...base,
        outcome: 'fail',
        failPhase: 'crash',
        reason: outcome.reason,
        crash: { exitCode: outcome.exitCode, signal: outcome.signal, stderrTail: isolated.stderrTail },
      };
    case 'timeout': {
      const judged = decideTimeout(outcome);
      return { ...base, outcome: judged.outcome, failPhase: 'timeout', reason: judged.reason, crash: { exitCode: null, signal: 'SIGTERM', stderrTail: isolated.stderrTail } };
    }
    case 'interrupted':
      return { ...base, outcome: 'error', failPhase: 'interrupted', reason: outcome.reason };
    case 'done': {
      const output = outcome.output;
      const judged = judgeCase(output, spec.judgement, { ran: { workload: spec.workload, engine: spec.engine, backend }, strict: options.strict === true });
      return {
        ...base,
        ...judged.verdict,
        metrics: judged.metrics,
        hyperparameters: output.hyperparameters,
        lines: judged.lines,
        details: judged.details,
        artifacts: output.artifacts ?? [],
      };
    }
  }
}

/** The job this run is part of, as slurmd tells its job's processes; null outside Slurm. */
function slurmJobOfRun(env: NodeJS.ProcessEnv): SlurmJobOfRun | null {
  const jobId = env.SLURM_JOB_ID?.trim();
  if (jobId === undefined || jobId === '') return null;
  return { jobId, node: env.SLURMD_NODENAME?.trim() || null };
}
