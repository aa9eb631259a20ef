/**
 * `mlcheck setup onnx-cuda`: onnxruntime-node's GPU provider libraries, installed by mlcheck
 * instead of by onnxruntime-node's own installer, which downloads them without checking a hash
 * and unpacks them in a predictable folder under /tmp that another user can create first. Here
 * the package must be pinned (references/onnx-cuda-packages.yaml: URL, sha256, size), it is
 * downloaded through the environment's proxy into a new folder only this user can use, checked,
 * unpacked there, and only the listed files are copied into onnxruntime-node's bin folder.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { downloadPinnedFile } from '../../datasets/pinned-download.js';
import { createPrivateDirectory } from '../../util/private-directory.js';
import { extractZipEntries } from '../../util/zip-entries.js';
import { installedProviderState, installProviderFiles } from './install-providers.js';
import { ortPackageDir } from './ort-loader.js';
import { pinnedProviderPackage, type PinnedProviderPackage } from './provider-packages.js';
import { GPU_PROVIDER_PLATFORMS, PROVIDER_REQUIREMENTS } from './provider-requirements.js';

export interface CudaSetupPlan {
  package: PinnedProviderPackage;
  onnxruntimeNode: string;
  binDir: string;
  /** Files that must exist afterwards. */
  expectedFiles: string[];
  force: boolean;
}

export interface PlanCudaSetupOptions {
  /** Download and install even when the verified files are in place. */
  force?: boolean;
  /** process.platform/process.arch. */
  platform?: string;
  /** onnxruntime-node's folder; default: the one mlcheck loads. */
  packageDir?: string;
  /** The pinned packages; default references/onnx-cuda-packages.yaml. */
  packagesFile?: string;
}

/** What would be installed, or why this platform has nothing; an unpinned package throws (exit 2). */
export function planCudaSetup(options: PlanCudaSetupOptions = {}): CudaSetupPlan | { unsupported: string } {
  const platform = options.platform ?? `${process.platform}/${process.arch}`;
  if (!GPU_PROVIDER_PLATFORMS.includes(platform)) {
    return { unsupported: `onnxruntime-node has no CUDA provider for ${platform} (only ${GPU_PROVIDER_PLATFORMS.join(', ')})` };
  }
  const packageDir = options.packageDir ?? ortPackageDir();
  const onnxruntimeNode = (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const pinned = pinnedProviderPackage({ onnxruntimeNode, platform, ...(options.packagesFile !== undefined && { file: options.packagesFile }) });
  const binDir = path.join(packageDir, 'bin', 'napi-v6', ...platform.split('/'));
  return {
    package: pinned,
    onnxruntimeNode,
    binDir,
    expectedFiles: PROVIDER_REQUIREMENTS.tensorrt.providerFiles.map((file) => path.join(binDir, file)),
    force: options.force === true,
  };
}

export type CudaSetupEvent =
  | { phase: 'download'; url: string; bytes: number; totalBytes: number }
  | { phase: 'verified'; url: string }
  | { phase: 'replacing'; files: string[] };

export interface RunCudaSetupOptions {
  /** Where the proxy settings are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent?: (event: CudaSetupEvent) => void;
  /** Where the private working folder is made; default the OS temp folder. */
  tempParent?: string;
}

export type CudaSetupResult = { outcome: 'installed'; files: string[] } | { outcome: 'already-installed'; package: string };

/** Downloads, verifies, unpacks and installs; throws PinnedDownloadError or an unpacking error, and then nothing was installed. */
export async function runCudaSetup(plan: CudaSetupPlan, options: RunCudaSetupOptions = {}): Promise<CudaSetupResult> {
  const names = Object.keys(plan.package.files);
  if (!plan.force) {
    const state = await installedProviderState(plan.binDir, plan.package.sha256, names);
    if (state.state === 'installed') return { outcome: 'already-installed', package: state.package };
    if (state.state === 'unverified') options.onEvent?.({ phase: 'replacing', files: state.files });
  }
  const work = createPrivateDirectory('mlcheck-onnx-cuda-', { ...(options.tempParent !== undefined && { parent: options.tempParent }), removeOnExit: true });
  try {
    const archive = await downloadPinnedFile({
      url: plan.package.url,
      sha256: plan.package.sha256,
      size: plan.package.size,
      dir: work,
      name: 'package.nupkg',
      ...(options.env !== undefined && { env: options.env }),
      ...(options.signal !== undefined && { signal: options.signal }),
      onProgress: (bytes, totalBytes) => options.onEvent?.({ phase: 'download', url: plan.package.url, bytes, totalBytes }),
    });
    options.onEvent?.({ phase: 'verified', url: plan.package.url });
    // Inside the private folder nobody else can have made it first; mkdir fails if anything is there.
    const unpacked = path.join(work, 'unpacked');
    mkdirSync(unpacked, { mode: 0o700 });
    const files = await extractZipEntries({ zipFile: archive, entries: plan.package.files, outDir: unpacked });
    const installed = await installProviderFiles({ files, binDir: plan.binDir, from: { package: plan.package.package, url: plan.package.url, sha256: plan.package.sha256 } });
    return { outcome: 'installed', files: installed };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function missingProviderFiles(plan: CudaSetupPlan): string[] {
  return plan.expectedFiles.filter((file) => !existsSync(file));
}
