import { existsSync } from 'node:fs';
import path from 'node:path';
import { describeMissing, ldLibraryPath, loaderCheck, missingLibraries, type LibraryLoadCheck } from '../dynamic-loader.js';
import { ONNX_PROVIDERS, type BackendStatus, type OnnxProvider } from '../types.js';
import { probeGpuVisibility, type GpuVisibilityCheck } from './gpu-visibility.js';
import { ORT_PROVIDER_NAMES } from './placement.js';
import { GPU_PROVIDER_PLATFORMS, PROVIDER_REQUIREMENTS } from './provider-requirements.js';

export const SETUP_CUDA_COMMAND = 'npx mlcheck setup onnx-cuda';

export interface ProviderDetectOptions {
  /** onnxruntime-node's native folder (where its installer puts the provider libraries). */
  binDir: string;
  /** Provider names compiled into the onnxruntime-node binding (`listSupportedBackends()`). */
  compiledProviders: readonly string[];
  platform?: string;
  /** Whether the loader can load a library (replaced in tests); default: load it, the provider's folder first. */
  checkLibrary?: LibraryLoadCheck;
  gpuVisibility?: GpuVisibilityCheck;
  /**
   * Opens a tiny session on the provider alone, on each GPU the case computes on; resolves null
   * when it works, else the error. Only called when every static requirement is met.
   */
  trialSession?: (provider: OnnxProvider) => Promise<string | null>;
  /** The providers that get a trial (default: every one); the others are judged by their static requirements. */
  trialProviders?: readonly OnnxProvider[];
}

/**
 * Every execution provider in preference order, each with the exact reasons it cannot be used.
 * Static checks first (provider files, CUDA libraries, a visible GPU): one that does not hold
 * makes the provider unavailable (its cases skip). Then a real session: once the static
 * requirements hold, a trial that throws or answers wrong is the GPU's fault (`faulty`: its
 * cases fail, naming the provider and the error).
 */
export async function detectProviders(options: ProviderDetectOptions): Promise<BackendStatus[]> {
  const platform = options.platform ?? `${process.platform}/${process.arch}`;
  const checkLibrary = options.checkLibrary ?? loaderCheck({ searchFirst: [options.binDir] });
  let gpus: Awaited<ReturnType<GpuVisibilityCheck>> | undefined;
  const statuses: BackendStatus[] = [];
  for (const provider of ONNX_PROVIDERS) {
    if (provider === 'cpu') {
      statuses.push({ backend: 'cpu', available: true, reason: null });
      continue;
    }
    const reasons: string[] = [];
    if (!GPU_PROVIDER_PLATFORMS.includes(platform)) {
      reasons.push(`onnxruntime-node has no ${provider} provider for ${platform} (only ${GPU_PROVIDER_PLATFORMS.join(', ')})`);
    } else {
      if (!options.compiledProviders.includes(provider)) reasons.push(`this onnxruntime-node build has no ${provider} provider (it lists ${options.compiledProviders.join(', ')})`);
      const requirement = PROVIDER_REQUIREMENTS[provider];
      const missingFiles = requirement.providerFiles.filter((file) => !existsSync(path.join(options.binDir, file)));
      if (missingFiles.length > 0) {
        reasons.push(`provider librar${missingFiles.length > 1 ? 'ies' : 'y'} ${missingFiles.join(', ')} not in ${options.binDir} (onnxruntime-node was installed CPU-only; fix: ${SETUP_CUDA_COMMAND})`);
      }
      // Present is not loadable: a provider library whose own dependencies are missing is a missing requirement, not a GPU fault.
      const unloadable = missingLibraries(
        requirement.providerFiles.filter((file) => !missingFiles.includes(file)).map((file) => ({ file, provides: `onnxruntime's ${provider} provider` })),
        checkLibrary,
      );
      if (unloadable.length > 0) {
        reasons.push(`the dynamic loader cannot load ${describeMissing(unloadable)} from ${options.binDir} (fix: install what it names, or run ${SETUP_CUDA_COMMAND} again)`);
      }
      const missing = missingLibraries(requirement.libraries, checkLibrary);
      if (missing.length > 0) {
        reasons.push(`the dynamic loader cannot load ${describeMissing(missing)} (searched ${[options.binDir, ...ldLibraryPath()].join(', ')} and the ld.so cache; fix: install them and run ldconfig, or add their folder to LD_LIBRARY_PATH)`);
      }
      gpus ??= await (options.gpuVisibility ?? probeGpuVisibility)();
      if (gpus.gpus.length === 0) reasons.push(`the probe sees no NVIDIA GPU${gpus.error ? `: ${gpus.error}` : ''}`);
      if (reasons.length === 0 && options.trialSession && (options.trialProviders ?? ONNX_PROVIDERS).includes(provider)) {
        const failure = await options.trialSession(provider);
        if (failure !== null) {
          statuses.push({ backend: provider, available: false, faulty: true, reason: `a test session on ${provider} (${ORT_PROVIDER_NAMES[provider]}) failed ${failure}` });
          continue;
        }
      }
    }
    statuses.push({ backend: provider, available: reasons.length === 0, reason: reasons.length ? reasons.join('; ') : null });
  }
  return statuses;
}
