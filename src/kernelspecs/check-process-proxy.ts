import path from 'node:path';
import { moduleNameProblem } from '../engines/python/module-names.js';
import { modulesInEnviron } from './environ-modules.js';
import { findExecutable } from './find-executable.js';
import type { KernelspecProblem, ModuleResolver } from './kernelspec-types.js';
import { readShellLines } from './shell-lines.js';
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
/** The Jinja templates a Kubernetes kernel names, relative to its folder, and the object each renders to. */
const TEMPLATES = [
  ['pod_template', 'Pod'],
  ['service_template', 'Service'],
  ['secret_template', 'Secret'],
  ['config_map_template', 'ConfigMap'],
] as const;
const ENVIRON_EXAMPLE = 'e.g. "environ": ["source /etc/profile.d/modules.sh", "module load shared slurm jupyter-eg-kernel-slurm-py37"]';
const SUBMIT_EXAMPLE = 'e.g. "submit": ["sbatch --parsable"] (["sbatch --parsable --oversubscribe"] for shared nodes)';

/** A process proxy that starts the kernel in a container: its argv runs inside the image, not on this node. */
export function isContainerProxy(className: string): boolean {
  return CONTAINER_PROXY.test(className);
}

/**
 * Enterprise Gateway's process-proxy kernels, as the manual configures them under
 * metadata.process_proxy.config: `environ` (shell lines run before the kernel, the module loads
 * among them), `submit` (sbatch, for Slurm), both a list of shell lines or one string; `image`,
 * `k8s_env_module` and the pod, service, secret and config map templates for Kubernetes.
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
    const at = `${CONFIG}.environ`;
    const environ = readShellLines(config.environ);
    if ('lines' in environ) await modules(at, modulesInEnviron(environ.lines), 'the');
    else if (environ.badIndex === null) problem(at, `must be a list of shell lines (or one string), not ${environ.found}`, ENVIRON_EXAMPLE);
    else problem(`${at}[${environ.badIndex}]`, `must be a string (one shell line), not ${environ.found}`, ENVIRON_EXAMPLE);
  }

  if (config.submit !== undefined || (className !== null && SLURM_PROXY.test(className))) {
    const at = `${CONFIG}.submit`;
    const submit = config.submit === undefined ? null : readShellLines(config.submit);
    // The manual's submit is a list holding one command line, ["sbatch --parsable"]: its first line is the command.
    const first = submit !== null && 'lines' in submit ? submit.lines.find((line) => line.trim() !== '') : undefined;
    if (submit !== null && !('lines' in submit)) {
      if (submit.badIndex === null) problem(at, `must be a list holding the submit command line (or one string), not ${submit.found}`, SUBMIT_EXAMPLE);
      else problem(`${at}[${submit.badIndex}]`, `must be a string (a command line), not ${submit.found}`, SUBMIT_EXAMPLE);
    } else if (first === undefined) {
      problem(at, submit === null ? 'is missing: a Slurm kernel is submitted with sbatch' : 'holds no command: a Slurm kernel is submitted with sbatch', SUBMIT_EXAMPLE);
    } else {
      const words = first.trim().split(/\s+/).filter((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
      const program = words[0] ?? '';
      if (path.basename(program) !== 'sbatch') problem(at, `runs "${program}", not sbatch: the kernel would not become a Slurm job`, SUBMIT_EXAMPLE);
      else if (findExecutable(program, options.env) === null) problem(at, `${program} is not ${program.includes('/') ? 'an executable file' : 'on PATH'}`, 'install the Slurm client commands on this node, or give the absolute path of sbatch');
    }
  }

  for (const [key, kind] of TEMPLATES) {
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

  if (className !== null && isContainerProxy(className)) {
    const image = config.image ?? config.image_name;
    if (typeof image !== 'string' || image.trim() === '') problem(`${CONFIG}.image`, 'is not set: a container kernel needs an image to run', 'e.g. "image": "brightcomputing/jupyter-kernel-sample:k8s-py36-1.0.0"');
  }

  if (config.k8s_env_module !== undefined) {
    const at = `${CONFIG}.k8s_env_module`;
    if (typeof config.k8s_env_module !== 'string' || config.k8s_env_module.trim() === '') problem(at, 'must be a module name', 'e.g. "k8s_env_module": "kubernetes/default"');
    else await modules(at, [config.k8s_env_module.trim()], 'the Kubernetes');
  }
  return { className, problems };
}
