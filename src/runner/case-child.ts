/**
 * The entry point of a case's child process. One case per process, so a segfaulting framework,
 * a hung GPU call or an out-of-memory kill takes down only this case (the runner watches it).
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { createDataAccess } from '../datasets/index.js';
import { loadEngine } from '../engines/index.js';
import { loadNativeProbe } from '../native/binding.js';
import { ENGINE_GPU_BACKENDS, type EngineSession } from '../engines/types.js';
import { ensureDirectory } from '../util/ensure-directory.js';
import { MlcheckError, RequirementError, describeError } from '../util/errors.js';
import { findWorkload } from '../workloads/index.js';
import type { Workload, WorkloadOutput, WorkloadRun } from '../workloads/types.js';
import type { CaseSecrets, ChildMessage, ParentMessage } from './case-protocol.js';
import type { CaseSpec } from './types.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

async function resolveWorkload(spec: CaseSpec): Promise<Workload> {
  if (spec.workloadModule) {
    const module = (await import(pathToFileURL(spec.workloadModule).href)) as { workload?: Workload };
    if (!module.workload) throw new MlcheckError('internal', `${spec.workloadModule} exports no \`workload\``);
    return module.workload;
  }
  const workload = findWorkload(spec.workload);
  if (!workload) throw new MlcheckError('internal', `unknown workload ${spec.workload}`);
  return workload;
}

async function runCase(spec: CaseSpec, secrets: CaseSecrets, signal: AbortSignal): Promise<void> {
  let phase: 'setup' | 'run' = 'setup';
  let session: EngineSession | undefined;
  try {
    await send({ type: 'phase', phase: 'setup' });
    const workload = await resolveWorkload(spec);
    const implementation = workload.engines[spec.engine] as WorkloadRun<EngineSession> | undefined;
    if (!implementation) throw new RequirementError(`workload ${workload.id} has no ${spec.engine} implementation`);
    const data = createDataAccess({ dataDir: spec.dataDir, download: false });
    for (const dataset of workload.datasets) await data.files(dataset);

    const gpus = spec.gpus ?? [];
    // The ordinals in spec.gpus count by PCI address; CUDA's default order (fastest first) would
    // give another GPU the same number in this process and the frameworks it starts.
    if (gpus.length > 0) process.env.CUDA_DEVICE_ORDER = 'PCI_BUS_ID';
    const setupStart = performance.now();
    const engine = await loadEngine(spec.engine);
    session = await engine.open({
      backend: spec.backend,
      threads: spec.threads,
      training: workload.training !== false,
      signal,
      ...(spec.engineOptions !== undefined && { engineOptions: spec.engineOptions }),
      gpus,
      computeOnEveryGpu: workload.computesOnEveryGpu === true,
      ...(Object.keys(secrets).length > 0 && { secrets }),
    });
    await send({ type: 'engine', info: session.info, setupSeconds: (performance.now() - setupStart) / 1000 });

    phase = 'run';
    await send({ type: 'phase', phase: 'run', gpu: ENGINE_GPU_BACKENDS[session.info.engine].includes(session.info.backend) });
    ensureDirectory(spec.outDir);
    const runStart = performance.now();
    const output: WorkloadOutput = await implementation(session, {
      profile: spec.profile,
      seed: spec.seed,
      params: spec.params,
      data,
      outDir: spec.outDir,
      signal,
      progress: (event) => void send({ type: 'progress', event }),
      gpus,
      ...(spec.images !== undefined && { images: spec.images }),
    });
    await send({ type: 'done', output, runSeconds: (performance.now() - runStart) / 1000 });
  } catch (error) {
    if (signal.aborted) await send({ type: 'stopped', outcome: 'error', phase: 'interrupted', reason: `interrupted in phase ${phase}: ${String(signal.reason)}` });
    else await send({ type: 'stopped', outcome: outcomeOf(error), phase: failPhaseOf(error, phase), reason: describeError(error) });
  } finally {
    // A wedged driver can hang teardown; the result is already sent, so do not wait for ever.
    if (session) await Promise.race([session.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
  }
}

/**
 * Only the node can fail a case: a wrong answer, a crash, a framework error. A stated requirement
 * that is missing skips it; bad data or configuration, and mlcheck's own faults, leave it
 * undecided (exit 3), so that one corrupt file on shared storage never drains a fleet.
 */
function outcomeOf(error: unknown): 'skip' | 'fail' | 'error' {
  if (!(error instanceof MlcheckError)) return 'fail';
  return error.kind === 'requirement' ? 'skip' : 'error';
}

/** An engine whose framework runs in a process of its own (python) marks that process's crash as one. */
function failPhaseOf(error: unknown, phase: 'setup' | 'run'): 'setup' | 'run' | 'crash' {
  return typeof error === 'object' && error !== null && (error as { failPhase?: unknown }).failPhase === 'crash' ? 'crash' : phase;
}

const CLOSE_TIMEOUT_MS = 5000;
const controller = new AbortController();
let finished = false;
process.on('SIGTERM', () => controller.abort('SIGTERM'));
// Ctrl-C reaches the whole process group; the runner decides (it marks the case interrupted and stops us).
process.on('SIGINT', () => undefined);
// The runner died (kill -9, crash): nobody will read this case's result, so stop at once.
process.on('disconnect', () => process.exit(finished ? 0 : 71));
// A kill -9 of the runner may not close the IPC channel at once; a changed parent is as final.
// The kernel's parent-death signal also ends a case stuck in native code, where no timer runs.
const runnerPid = process.ppid;
try {
  loadNativeProbe().setParentDeathSignal(os.constants.signals.SIGKILL);
} catch {
  // Without the addon the timer below still ends an orphan once its event loop gets a turn.
}
if (process.ppid !== runnerPid) process.exit(72);
setInterval(() => {
  if (process.ppid !== runnerPid) process.exit(72);
}, 1000).unref();
process.once('message', (message: ParentMessage) => {
  if (message.type !== 'start') return;
  runCase(message.spec, message.secrets ?? {}, controller.signal).then(
    () => {
      // Frameworks may keep worker threads alive; the case is over once its result is sent.
      finished = true;
      process.disconnect?.();
    },
    () => process.exit(70),
  );
});
