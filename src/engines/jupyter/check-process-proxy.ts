import path from 'node:path';
import { moduleNameProblem } from '../python/module-names.js';
import { modulesInEnviron } from './environ-modules.js';
import { findExecutable } from './find-executable.js';
import type { KernelspecProblem, ModuleResolver } from './kernelspec-types.js';
import { templateProblem } from './template-check.js';

export interface CheckProcessProxyOptions {
  /** metadata.process_proxy as the kernel.json has it. */
  proxy: unknown;
  file: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  resolveModule: ModuleResolver;
}

const BASE = '$.metadata.process_proxy';
const CONFIG = `${BASE}.config`;
/** Process proxies that start the kernel in a container: they need an image. */
const CONTAINER_PROXY = /kubernetes|k8s|docker|container/i;
const SLURM_PROXY = /slurm/i;

/**
 * Enterprise Gateway's process-proxy kernels, as the manual's templates configure them under
 * metadata.process_proxy.config: `environ` (the module loads run before the kernel), `submit`
 * (sbatch, for Slurm), `pod_template` / `service_template`, `image`, `k8s_env_module`.
 */
export async function checkProcessProxy(options: CheckProcessProxyOptions): Promise<{ className: string | null; problems: KernelspecProblem[] }> {
  const problems: KernelspecProblem[] = [];
  const problem = (at: string, message: string, fix: string): void => void problems.push({ file: options.file, path: at, message, fix });
  if (typeof options.proxy !== 'object' || options.proxy === null || Array.isArray(options.proxy)) {
    problem(BASE, 'must be an object with class_name (and config)', 'e.g. "process_proxy": {"class_name": "...SlurmProcessProxy", "config": {...}}');
    return { className: null, problems };
  }
  const proxy = options.proxy as Record<string, unknown>;
  const className = typeof proxy.class_name === 'string' && proxy.class_name.trim() !== '' ? proxy.class_name : null;
  if (className === null) problem(`${BASE}.class_name`, 'is missing: the gateway cannot tell how to start the kernel', 'name the process proxy class, e.g. enterprise_gateway.services.processproxies.k8s.KubernetesProcessProxy');
  const rawConfig = proxy.config ?? {};
  if (typeof rawConfig !== 'object' || rawConfig === null || Array.isArray(rawConfig)) {
    problem(CONFIG, 'must be an object', 'put the proxy\'s settings (environ, submit, image, ...) in an object');
    return { className, problems };
  }
  const config = rawConfig as Record<string, unknown>;

  const modules = async (at: string, names: readonly string[], what: string): Promise<void> => {
    for (const name of names) {
      const bad = moduleNameProblem(name);
      if (bad !== null) {
        problem(at, `"${name}" is not a module name: ${bad}`, 'write the module names as `module -t avail` prints them');
        continue;
      }
      const why = await options.resolveModule(name);
      if (why !== null) problem(at, `${what} module ${name} does not resolve here: ${why}`, `list the node's modules with \`module -t avail\`; correct the name or install the module (MODULEPATH or --module-path)`);
    }
  };

  if (config.environ !== undefined) {
    if (typeof config.environ !== 'string') problem(`${CONFIG}.environ`, 'must be a string (the shell commands run before the kernel)', 'e.g. "environ": "module load shared slurm jupyter-eg-kernel-slurm-py37"');
    else await modules(`${CONFIG}.environ`, modulesInEnviron(config.environ), 'the');
  }

  if (config.submit !== undefined || (className !== null && SLURM_PROXY.test(className))) {
    const at = `${CONFIG}.submit`;
    const submit = config.submit;
    if (typeof submit !== 'string' || submit.trim() === '') {
      problem(at, config.submit === undefined ? 'is missing: a Slurm kernel is submitted with sbatch' : 'must be a command line string', 'e.g. "submit": "sbatch --parsable" (add --oversubscribe for shared nodes)');
    } else {
      const words = submit.trim().split(/\s+/).filter((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
      const program = words[0] ?? '';
      if (path.basename(program) !== 'sbatch') problem(at, `runs "${program}", not sbatch: the kernel would not become a Slurm job`, 'e.g. "submit": "sbatch --parsable" (add --oversubscribe for shared nodes)');
      else if (findExecutable(program, options.env) === null) problem(at, `${program} is not ${program.includes('/') ? 'an executable file' : 'on PATH'}`, 'install the Slurm client commands on this node, or give the absolute path of sbatch');
    }
  }

  for (const [key, kind] of [['pod_template', 'Pod'], ['service_template', 'Service']] as const) {
    const value = config[key];
    if (value === undefined) continue;
    const at = `${CONFIG}.${key}`;
    if (typeof value !== 'string' || value.trim() === '') {
      problem(at, 'must be the path of a template file', `give the ${kind} template's path, absolute or relative to ${options.dir}`);
      continue;
    }
    const file = path.resolve(options.dir, value);
    const why = templateProblem(file, kind);
    if (why !== null) problem(at, why, why.includes('does not exist') ? `create it, or point ${key} at the template the gateway's kernel images ship` : `fix the template so that it renders to a Kubernetes ${kind}`);
  }

  if (className !== null && CONTAINER_PROXY.test(className)) {
    const image = config.image ?? config.image_name;
    if (typeof image !== 'string' || image.trim() === '') problem(`${CONFIG}.image`, 'is not set: a container kernel needs an image to run', 'e.g. "image": "docker.io/elyra/kernel-py:3.2.3"');
  }

  if (config.k8s_env_module !== undefined) {
    const at = `${CONFIG}.k8s_env_module`;
    if (typeof config.k8s_env_module !== 'string' || config.k8s_env_module.trim() === '') problem(at, 'must be a module name', 'e.g. "k8s_env_module": "kubernetes/default"');
    else await modules(at, [config.k8s_env_module.trim()], 'the Kubernetes');
  }
  return { className, problems };
}
