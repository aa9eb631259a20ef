import { existsSync } from 'node:fs';
import path from 'node:path';
import { installerProxyEnv } from './installer-proxy.js';
import { ortPackageDir } from './ort-loader.js';
import { GPU_PROVIDER_PLATFORMS, PROVIDER_REQUIREMENTS } from './provider-requirements.js';

export interface CudaSetupPlan {
  /** node + onnxruntime-node's own installer with --onnxruntime-node-install=cuda12. */
  command: string;
  args: string[];
  /**
   * The environment for the installer. Its flag parser reads ONNXRUNTIME_NODE_INSTALL and
   * npm_config_onnxruntime_node_install before argv, and mlcheck is installed with the first set
   * to `skip` (README), which would make it exit 0 having installed nothing: both are removed.
   * Under `npm exec` it also treats npm_config_local_prefix + npm_package_json as a local dev
   * install and exits early: those go too. The proxy settings are handed over as global-agent's.
   */
  env: NodeJS.ProcessEnv;
  binDir: string;
  /** Files that must exist afterwards; the installer can exit 0 without them. */
  expectedFiles: string[];
}

export function planCudaSetup(options: { force?: boolean; env?: NodeJS.ProcessEnv; platform?: string } = {}): CudaSetupPlan | { unsupported: string } {
  const platform = options.platform ?? `${process.platform}/${process.arch}`;
  if (!GPU_PROVIDER_PLATFORMS.includes(platform)) {
    return { unsupported: `onnxruntime-node's installer has no CUDA provider for ${platform} (only ${GPU_PROVIDER_PLATFORMS.join(', ')})` };
  }
  const packageDir = ortPackageDir();
  const binDir = path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
  const env = { ...(options.env ?? process.env) };
  for (const key of Object.keys(env)) {
    if (/^(ONNXRUNTIME_NODE_INSTALL(_CUDA)?|npm_config_onnxruntime_node_install(_cuda)?|npm_config_local_prefix|npm_package_json)$/i.test(key)) delete env[key];
  }
  Object.assign(env, installerProxyEnv(env));
  return {
    command: process.execPath,
    // The bare flag forces a download even when the files exist; =cuda12 installs only what is missing.
    args: [path.join(packageDir, 'script', 'install.js'), options.force ? '--onnxruntime-node-install' : '--onnxruntime-node-install=cuda12'],
    env,
    binDir,
    expectedFiles: PROVIDER_REQUIREMENTS.tensorrt.providerFiles.map((file) => path.join(binDir, file)),
  };
}

export function missingProviderFiles(plan: CudaSetupPlan): string[] {
  return plan.expectedFiles.filter((file) => !existsSync(file));
}
