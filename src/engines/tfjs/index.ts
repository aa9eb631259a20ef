import * as tf from '@tensorflow/tfjs-core';
import { RequirementError, UsageError } from '../../util/errors.js';
import { TFJS_BACKENDS, type BackendStatus, type Engine, type OpenOptions, type TfjsBackendName } from '../types.js';
import { describeComputeGpu } from '../compute-gpu.js';
import { activateBackend, checkBackend, type BackendDependencies } from './backends.js';
import { tfjsDefaultGpu } from './default-gpu.js';
import { ensureGradients } from './gradients.js';
import { installedVersion } from './optional-package.js';
import type { TfjsSession } from './session.js';

export type { TfjsSession } from './session.js';

/**
 * The TensorFlow.js engine. Only tfjs-core is imported statically; each backend package is
 * imported when it is checked, so a missing or broken one never affects the others.
 */
export function createTfjsEngine(deps: BackendDependencies = {}): Engine<TfjsSession> {
  const dependencies: BackendDependencies = { ...deps };
  const checks = new Map<TfjsBackendName, Promise<BackendStatus>>();
  const status = (backend: TfjsBackendName): Promise<BackendStatus> => {
    let check = checks.get(backend);
    if (check === undefined) {
      check = checkBackend(tf, backend, dependencies).then((result) => ({ backend, ...result }));
      checks.set(backend, check);
    }
    return check;
  };

  return {
    id: 'tfjs',
    async detect() {
      const statuses: BackendStatus[] = [];
      for (const backend of TFJS_BACKENDS) statuses.push(await status(backend));
      return statuses;
    },
    async open(options: OpenOptions = {}) {
      // Decided before libtensorflow starts: it would create a context on every GPU it sees.
      const gpu = options.backend === 'tensorflow-gpu' ? tfjsDefaultGpu(options.gpus) : undefined;
      const chosen = await chooseBackend(options.backend, status);
      if (options.training !== false) await ensureGradients(tf);
      let active;
      try {
        active = await activateBackend(tf, chosen, options.threads, dependencies);
      } catch (error) {
        // Installed and detected, yet it will not start: a broken node, so the case fails (not skips).
        throw new Error(`tfjs: ${(error as Error).message}`, { cause: error });
      }
      const device =
        chosen === 'tensorflow-gpu' && gpu !== undefined
          ? `${gpu.name ?? 'NVIDIA GPU'} (${describeComputeGpu(gpu)}), libtensorflow's default GPU device (tfjs-node-gpu cannot choose another)`
          : active.device;
      const session: TfjsSession = {
        tf,
        info: { engine: 'tfjs', backend: chosen, device, versions: { ...active.versions, ...gradientsVersion() } },
        ...(chosen === 'tensorflow-gpu' && gpu !== undefined && { gpu }),
        async close() {
          tf.disposeVariables();
        },
      };
      return session;
    },
  };
}

async function chooseBackend(requested: string | undefined, status: (backend: TfjsBackendName) => Promise<BackendStatus>): Promise<TfjsBackendName> {
  if (requested !== undefined) {
    if (!isBackendName(requested)) {
      throw new UsageError(`tfjs has no backend "${requested}"`, { expected: TFJS_BACKENDS.join(' | '), found: requested });
    }
    const result = await status(requested);
    if (!result.available) throw new RequirementError(`tfjs backend ${requested} is unavailable: ${result.reason}`);
    return requested;
  }
  const reasons: string[] = [];
  for (const backend of TFJS_BACKENDS) {
    const result = await status(backend);
    if (result.available) return backend;
    reasons.push(`${backend}: ${result.reason}`);
  }
  throw new RequirementError(`no tfjs backend is usable here:\n  ${reasons.join('\n  ')}`);
}

/** The union package that registers tfjs-core's gradient functions (see gradients.ts). */
function gradientsVersion(): Record<string, string> {
  const version = installedVersion('@tensorflow/tfjs');
  return version === null ? {} : { '@tensorflow/tfjs': version };
}

function isBackendName(name: string): name is TfjsBackendName {
  return (TFJS_BACKENDS as readonly string[]).includes(name);
}

export const tfjsEngine: Engine<TfjsSession> = createTfjsEngine();
