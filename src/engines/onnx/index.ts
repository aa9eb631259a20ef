import os from 'node:os';
import { DataError, RequirementError, UsageError } from '../../util/errors.js';
import { ONNX_PROVIDERS, type BackendStatus, type Engine, type EngineInfo, type OnnxProvider, type OpenOptions } from '../types.js';
import { detectProviders, type ProviderDetectOptions } from './detect.js';
import { probeGpuVisibility } from './gpu-visibility.js';
import { loadOrt, type LoadedOrt } from './ort-loader.js';
import { PROVIDER_REQUIREMENTS } from './provider-requirements.js';
import type { OnnxSession } from './session.js';
import { trialSession } from './trial-session.js';

export type { OnnxSession } from './session.js';

export interface OnnxEngineOptions {
  /** Replaces parts of provider detection (tests inject library lookups and GPU answers). */
  detect?: Partial<Omit<ProviderDetectOptions, 'compiledProviders'>>;
}

/** The onnx engine (onnxruntime-node): execution providers tensorrt, cuda, cpu in preference order. */
export function createOnnxEngine(options: OnnxEngineOptions = {}): Engine<OnnxSession> {
  const detect = async (): Promise<BackendStatus[]> => {
    let loaded: LoadedOrt;
    try {
      loaded = await loadOrt();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return ONNX_PROVIDERS.map((backend) => ({ backend, available: false, reason }));
    }
    return detectProviders({
      binDir: loaded.binDir,
      compiledProviders: loaded.ort.listSupportedBackends().map((b) => b.name),
      trialSession: (provider) => trialSession(loaded.ort, provider),
      ...options.detect,
    });
  };

  const open = async (openOptions: OpenOptions = {}): Promise<OnnxSession> => {
    const requested = openOptions.backend;
    if (requested !== undefined && !ONNX_PROVIDERS.includes(requested as OnnxProvider)) {
      throw new UsageError(`unknown onnx execution provider "${requested}"`, { expected: ONNX_PROVIDERS.join(', ') });
    }
    const loaded = await loadOrt();
    const statuses = await detect();
    const chosen = requested !== undefined ? statuses.find((s) => s.backend === requested) : statuses.find((s) => s.available);
    if (!chosen || !chosen.available) {
      throw new RequirementError(`onnx ${requested ?? 'engine'}: ${chosen?.reason ?? 'no execution provider is available'}`, {
        fix: chosen?.backend === 'cpu' ? undefined : ['npx mlcheck setup onnx-cuda (on a GPU node with CUDA 12 and cuDNN 9)', 'or run with --backend cpu'],
      });
    }
    const provider = chosen.backend as OnnxProvider;
    const skippedProviders = statuses.slice(0, statuses.indexOf(chosen)).filter((s) => !s.available);
    const gpuNames = provider === 'cpu' ? [] : (await (options.detect?.gpuVisibility ?? probeGpuVisibility)()).gpus.map((g) => g.name);
    return createSession(loaded, provider, openOptions.threads, skippedProviders, gpuNames);
  };

  return { id: 'onnx', detect, open };
}

function createSession(loaded: LoadedOrt, provider: OnnxProvider, threads: number | undefined, skippedProviders: BackendStatus[], gpuNames: string[]): OnnxSession {
  const { ort } = loaded;
  const executionProviders = PROVIDER_REQUIREMENTS[provider].sessionProviders;
  const info: EngineInfo = {
    engine: 'onnx',
    backend: provider,
    device: provider === 'cpu' ? `CPU: ${os.cpus()[0]?.model.trim() ?? 'unknown'} (${threads !== undefined ? `${threads} thread${threads === 1 ? '' : 's'}` : 'onnxruntime default threads'}, ${os.availableParallelism()} logical CPUs)` : `${gpuNames[0] ?? 'NVIDIA GPU'} (GPU 0)`,
    versions: { 'onnxruntime-node': loaded.version, 'onnxruntime-common': ort.env.versions.common ?? 'unknown' },
  };
  const open: InferenceSessionFactory = async (model, sessionOptions = {}) => {
    const create = (providers: readonly string[]) =>
      ort.InferenceSession.create(model as Uint8Array, {
        executionProviders: [...providers],
        graphOptimizationLevel: 'all',
        ...(threads !== undefined && { intraOpNumThreads: threads }),
        ...(sessionOptions.profileFilePrefix !== undefined && { enableProfiling: true, profileFilePrefix: sessionOptions.profileFilePrefix }),
      });
    try {
      return await create(executionProviders);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const file = typeof model === 'string' ? model : undefined;
      if (provider !== 'cpu' && (await loadsOnCpu(ort, model))) {
        throw new Error(`onnxruntime cannot create a session on ${provider} although the model${file ? ` ${file}` : ''} loads on the CPU: ${message}`, { cause: error });
      }
      throw new DataError(`onnxruntime cannot load the model${file ? ` ${file}` : ''}: ${message}`, {
        ...(file !== undefined && { file }),
        expected: 'a complete ONNX model (ModelProto) that onnxruntime supports',
        fix: 'check that the file is an .onnx model and was copied completely (compare its sha256 with the source)',
        cause: error,
      });
    }
  };
  return {
    info,
    ort,
    provider,
    executionProviders,
    threads,
    skippedProviders,
    createInferenceSession: open,
    close: async () => undefined,
  };
}

type InferenceSessionFactory = OnnxSession['createInferenceSession'];

/** Tells a broken GPU provider from a broken model: the same model on the CPU provider alone. */
async function loadsOnCpu(ort: LoadedOrt['ort'], model: string | Uint8Array): Promise<boolean> {
  try {
    const session = await ort.InferenceSession.create(model as Uint8Array, { executionProviders: ['cpu'] });
    await session.release();
    return true;
  } catch {
    return false;
  }
}

export const onnxEngine: Engine<OnnxSession> = createOnnxEngine();
