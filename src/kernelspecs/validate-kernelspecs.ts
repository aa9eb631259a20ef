import { listAvailableModules, type AvailableModules } from '../engines/python/module-avail.js';
import { checkKernelspec } from './check-kernelspec.js';
import type { DataDir } from './data-path.js';
import { findKernelspecs } from './find-kernelspecs.js';
import type { KernelspecReport, KernelspecsReport, ModuleResolver } from './kernelspec-types.js';

export interface ValidateKernelspecsOptions {
  dataPath: readonly DataDir[];
  env: NodeJS.ProcessEnv;
  /** Modulefile folders to `module use` before resolving the kernels' modules. */
  modulePaths?: readonly string[];
  /** The node's modules (default: `module -t avail`, read once and only when a kernel names a module). */
  listModules?: () => Promise<AvailableModules>;
}

/** Finds the kernelspecs on the data path and checks each one Jupyter would use. */
export async function validateKernelspecs(options: ValidateKernelspecsOptions): Promise<KernelspecsReport> {
  const cache: { available: Promise<AvailableModules> | null } = { available: null };
  const listModules = options.listModules ?? (() => listAvailableModules({ env: options.env, modulePaths: options.modulePaths ?? [] }));
  const resolveModule: ModuleResolver = async (name) => {
    cache.available ??= listModules();
    const modules = await cache.available;
    if (modules.error !== null) return modules.error;
    // `module load name` takes name/version too, and a bare name loads its default version.
    return modules.modules.some((m) => m === name || m.startsWith(`${name}/`)) ? null : `not in \`module -t avail\` (${modules.modules.length} modules listed)`;
  };
  const kernelspecs: KernelspecReport[] = [];
  for (const found of findKernelspecs({ dataPath: options.dataPath })) {
    const base = { name: found.name, file: found.file, source: found.source, shadowedBy: found.shadowedBy };
    if (found.shadowedBy !== null) {
      kernelspecs.push({ ...base, displayName: null, language: null, processProxy: null, problems: [] });
      continue;
    }
    if (!found.validName) {
      const problem = { file: found.file, path: '$', message: `Jupyter ignores this kernelspec: its folder name "${found.dir.split('/').pop()}" is not a kernel name`, fix: 'rename the folder with letters, digits, ., _ and - only' };
      kernelspecs.push({ ...base, displayName: null, language: null, processProxy: null, problems: [problem] });
      continue;
    }
    const checked = await checkKernelspec({ file: found.file, dir: found.dir, env: options.env, resolveModule });
    kernelspecs.push({ ...base, ...checked });
  }
  const resolved = cache.available === null ? null : await cache.available;
  return {
    schemaVersion: 1,
    kind: 'mlcheck-jupyter-kernels',
    dataPath: [...options.dataPath],
    moduleSystem: resolved === null ? null : { initScript: resolved.initScript, error: resolved.error },
    kernelspecs,
  };
}
