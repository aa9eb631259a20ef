import os from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import { DataError, MlcheckError, RequirementError, UsageError } from '../../util/errors.js';
import { describeComputeGpu, sessionGpus, type ComputeGpu } from '../compute-gpu.js';
import { ONNX_PROVIDERS, type BackendStatus, type Engine, type EngineInfo, type OnnxProvider, type OpenOptions } from '../types.js';
import { detectProviders, type ProviderDetectOptions } from './detect.js';
import { probeGpuVisibility, type GpuVisibility } from './gpu-visibility.js';
import { loadOrt, type LoadedOrt } from './ort-loader.js';
import { PROVIDER_REQUIREMENTS } from './provider-requirements.js';
import type { OnnxSession } from './session.js';
import { trialSession, type TrialDevice } from './trial-session.js';

export type { OnnxSession } from './session.js';

export interface OnnxEngineOptions {
  /** Replaces parts of provider detection (tests inject library lookups and GPU answers). */
  detect?: Partial<Omit<ProviderDetectOptions, 'compiledProviders'>>;
}

/** The onnx engine (onnxruntime-node): execution providers tensorrt, cuda, cpu in preference order. */
export function createOnnxEngine(options: OnnxEngineOptions = {}): Engine<OnnxSession> {
  const detectOn = async (devices: readonly TrialDevice[], trialProviders?: readonly OnnxProvider[]): Promise<BackendStatus[]> => {
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
      trialSession: (provider) => trialSession(loaded.ort, provider, devices),
      ...(trialProviders !== undefined && { trialProviders }),
      ...options.detect,
    });
  };

  const open = async (openOptions: OpenOptions = {}): Promise<OnnxSession> => {
    const requested = openOptions.backend;
    if (requested !== undefined && !ONNX_PROVIDERS.includes(requested as OnnxProvider)) {
      throw new UsageError(`unknown onnx execution provider "${requested}"`, { expected: ONNX_PROVIDERS.join(', ') });
    }
    const loaded = await loadOrt();
    const visibility = options.detect?.gpuVisibility ?? probeGpuVisibility;
    const requestsGpu = requested !== 'cpu';
    // The GPUs this case computes on, by the device_id CUDA gives each in this process.
    const named = requestsGpu ? sessionGpus(openOptions.gpus, openOptions.computeOnEveryGpu === true, `onnx ${requested ?? 'engine'}`) : [];
    const gpus = named.length > 0 ? inThisProcess(named, await visibility()) : [];
    const devices = gpus.map((gpu) => ({ deviceId: gpu.ordinal, label: describeComputeGpu(gpu) }));
    const statuses = await detectOn(devices, requested === undefined ? undefined : [requested as OnnxProvider]);
    const chosen = requested !== undefined ? statuses.find((s) => s.backend === requested) : statuses.find((s) => s.available || s.faulty === true);
    if (chosen?.faulty === true) {
      // The provider's libraries load and a GPU is there, yet it does not work: the node is at fault.
      const leftAlone = (openOptions.gpus ?? []).filter((gpu) => gpu.notComputed !== null);
      throw new Error(`onnx ${chosen.backend}: ${chosen.reason}${leftAlone.map((gpu) => `; ${describeComputeGpu(gpu)}: not computed: ${gpu.notComputed}`).join('')}`);
    }
    if (!chosen || !chosen.available) {
      throw new RequirementError(`onnx ${requested ?? 'engine'}: ${chosen?.reason ?? 'no execution provider is available'}`, {
        fix: chosen?.backend === 'cpu' ? undefined : ['npx mlcheck setup onnx-cuda (on a GPU node with CUDA 12 and cuDNN 9)', 'or run with --backend cpu'],
      });
    }
    const provider = chosen.backend as OnnxProvider;
    const skippedProviders = statuses.slice(0, statuses.indexOf(chosen)).filter((s) => !s.available);
    const gpuNames = provider === 'cpu' ? [] : (await visibility()).gpus.map((g) => g.name ?? 'NVIDIA GPU');
    return createSession(loaded, provider, openOptions.threads, skippedProviders, provider === 'cpu' ? [] : gpus, gpuNames);
  };

  return { id: 'onnx', detect: () => detectOn([]), open };
}

/**
 * The case's GPUs with the ordinal CUDA gives each in this process (ONNX Runtime's device_id),
 * matched by UUID or PCI address, so that a different device order here cannot point a session
 * at another GPU than the one named.
 */
function inThisProcess(gpus: readonly ComputeGpu[], visibility: GpuVisibility): ComputeGpu[] {
  return gpus.map((gpu) => {
    const here = visibility.gpus.find((seen) => (gpu.uuid !== null && seen.uuid === gpu.uuid) || (gpu.pciBusId !== null && seen.pciBusId === gpu.pciBusId));
    if (here?.index === undefined) {
      const shown = visibility.gpus.map((seen) => `${seen.index ?? '?'}: ${seen.pciBusId ?? seen.uuid ?? seen.name}`).join(', ') || 'none';
      throw new MlcheckError('internal', `${describeComputeGpu(gpu)} is in scope, but CUDA in the case process does not show it (it shows ${shown}${visibility.error ? `; ${visibility.error}` : ''}): which device_id it has cannot be told`, {
        fix: 'check CUDA_VISIBLE_DEVICES in the environment mlcheck runs in (the case processes run with CUDA_DEVICE_ORDER=PCI_BUS_ID)',
      });
    }
    return { ...gpu, ordinal: here.index, name: gpu.name ?? here.name ?? null };
  });
}

function createSession(loaded: LoadedOrt, provider: OnnxProvider, threads: number | undefined, skippedProviders: BackendStatus[], gpus: readonly ComputeGpu[], gpuNames: string[]): OnnxSession {
  const { ort } = loaded;
  const providerNames = PROVIDER_REQUIREMENTS[provider].sessionProviders;
  const defaultDeviceId = gpus[0]?.ordinal ?? 0;
  const executionProvidersOn = (deviceId: number): ExecutionProvider[] => providerNames.map((name) => (name === 'cpu' ? 'cpu' : ({ name, deviceId } as ExecutionProvider)));
  const info: EngineInfo = {
    engine: 'onnx',
    backend: provider,
    device:
      provider === 'cpu'
        ? `CPU: ${os.cpus()[0]?.model.trim() ?? 'unknown'} (${threads !== undefined ? `${threads} thread${threads === 1 ? '' : 's'}` : 'onnxruntime default threads'}, ${os.availableParallelism()} logical CPUs)`
        : gpus.length > 0
          ? gpus.map((gpu) => `${gpu.name ?? 'NVIDIA GPU'} (${describeComputeGpu(gpu)})`).join(', ')
          : `${gpuNames[0] ?? 'NVIDIA GPU'} (GPU 0)`,
    versions: { 'onnxruntime-node': loaded.version, 'onnxruntime-common': ort.env.versions.common ?? 'unknown' },
  };
  const open: InferenceSessionFactory = async (model, sessionOptions = {}) => {
    const create = (providers: readonly ExecutionProvider[]) =>
      ort.InferenceSession.create(model as Uint8Array, {
        executionProviders: [...providers],
        graphOptimizationLevel: 'all',
        ...(threads !== undefined && { intraOpNumThreads: threads }),
        ...(sessionOptions.profileFilePrefix !== undefined && { enableProfiling: true, profileFilePrefix: sessionOptions.profileFilePrefix }),
      });
    const deviceId = sessionOptions.deviceId ?? defaultDeviceId;
    try {
      return await create(executionProvidersOn(deviceId));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const file = typeof model === 'string' ? model : undefined;
      if (provider !== 'cpu' && (await loadsOnCpu(ort, model))) {
        throw new Error(`onnxruntime cannot create a session on ${provider} (device_id ${deviceId}) although the model${file ? ` ${file}` : ''} loads on the CPU: ${message}`, { cause: error });
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
    executionProviders: providerNames,
    threads,
    skippedProviders,
    gpus,
    createInferenceSession: open,
    close: async () => undefined,
  };
}

type ExecutionProvider = InferenceSession.ExecutionProviderConfig;
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
