import { readFileSync } from 'node:fs';
import { checkProcessProxy, isContainerProxy } from './check-process-proxy.js';
import { findExecutable } from './find-executable.js';
import type { KernelspecProblem, ModuleResolver } from './kernelspec-types.js';

export interface CheckKernelspecOptions {
  file: string;
  /** The kernelspec's folder: relative template paths start here. */
  dir: string;
  /** PATH for argv[0] and sbatch: the environment the server starts kernels with. */
  env: NodeJS.ProcessEnv;
  resolveModule: ModuleResolver;
}

export interface CheckedKernelspec {
  displayName: string | null;
  language: string | null;
  processProxy: string | null;
  problems: KernelspecProblem[];
}

/** The server replaces these argv[0] with its own interpreter (jupyter_client's KernelManager.format_kernel_cmd). */
const SERVER_PYTHON = /^python(\d+(\.\d+)?)?$/;

/**
 * Checks one kernel.json as a server would use it: the JSON parses, argv[0] runs, argv passes the
 * connection file (or the gateway's kernel id and response address), language and display_name
 * are set; for a gateway's process-proxy kernel also its modules, submit command, templates and
 * image. A container kernel's argv runs inside its image: only its {kernel_id} is checked here.
 */
export async function checkKernelspec(options: CheckKernelspecOptions): Promise<CheckedKernelspec> {
  const { file } = options;
  const problems: KernelspecProblem[] = [];
  const problem = (path: string, message: string, fix: string): void => void problems.push({ file, path, message, fix });
  let spec: unknown;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
    spec = JSON.parse(text);
  } catch (error) {
    problem('$', `is not valid JSON: ${withLine((error as Error).message, text)}`, `correct the syntax; \`python3 -m json.tool ${file}\` shows the line`);
    return { displayName: null, language: null, processProxy: null, problems };
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    problem('$', 'is not a JSON object', 'a kernelspec is an object with argv, display_name and language');
    return { displayName: null, language: null, processProxy: null, problems };
  }
  const kernel = spec as Record<string, unknown>;
  const metadata = kernel.metadata;
  const proxy = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>).process_proxy : undefined;
  const proxyClass = typeof proxy === 'object' && proxy !== null ? (proxy as Record<string, unknown>).class_name : undefined;
  // A Kubernetes (container) kernel's argv runs inside its image, e.g. ["/usr/bin/python3", "/ipykernel-k8s.py", "{kernel_id}"].
  const inImage = typeof proxyClass === 'string' && isContainerProxy(proxyClass);
  const argv = kernel.argv;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((arg) => typeof arg === 'string')) {
    problem('$.argv', 'must be a non-empty list of strings (the command that starts the kernel)', inImage ? 'e.g. "argv": ["/usr/bin/python3", "/ipykernel-k8s.py", "{kernel_id}"]' : 'e.g. "argv": ["python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]');
  } else if (inImage) {
    if (!(argv as string[]).some((arg) => arg.includes('{kernel_id}'))) {
      problem('$.argv', "does not pass {kernel_id}: the kernel in the container cannot tell the gateway who it is", 'e.g. "argv": ["/usr/bin/python3", "/ipykernel-k8s.py", "{kernel_id}"] (it runs inside the image)');
    }
  } else {
    const program = argv[0] as string;
    if (!SERVER_PYTHON.test(program) && findExecutable(program, options.env) === null) {
      problem('$.argv[0]', `"${program}" is not an executable file${program.includes('/') ? '' : ' on PATH'}`, 'install the program, or give the absolute path of an executable that exists on the node where the server starts kernels');
    }
    const text = (argv as string[]).join(' ');
    const gateway = text.includes('{kernel_id}') && text.includes('{response_address}');
    if (!text.includes('{connection_file}') && !gateway) {
      problem('$.argv', 'passes neither {connection_file} nor the gateway\'s {kernel_id} and {response_address}: the kernel cannot learn its ports', 'add "-f", "{connection_file}" (or, for Enterprise Gateway, "--RemoteProcessProxy.kernel-id", "{kernel_id}", "--RemoteProcessProxy.response-address", "{response_address}")');
    }
  }
  for (const key of ['display_name', 'language'] as const) {
    if (typeof kernel[key] !== 'string' || (kernel[key] as string).trim() === '') {
      problem(`$.${key}`, kernel[key] === undefined ? 'is missing' : 'must be a non-empty string', key === 'language' ? 'set "language": "python"' : 'set the name users see in the launcher, e.g. "display_name": "Python 3 (TensorFlow)"');
    }
  }
  if (kernel.env !== undefined && (typeof kernel.env !== 'object' || kernel.env === null || Array.isArray(kernel.env) || !Object.values(kernel.env).every((v) => typeof v === 'string'))) {
    problem('$.env', 'must be an object of string values', 'e.g. "env": {"OMP_NUM_THREADS": "4"}');
  }
  let processProxy: string | null = null;
  if (proxy !== undefined) {
    const checked = await checkProcessProxy({ proxy, file, dir: options.dir, env: options.env, resolveModule: options.resolveModule });
    processProxy = checked.className;
    problems.push(...checked.problems);
  }
  return {
    displayName: typeof kernel.display_name === 'string' ? kernel.display_name : null,
    language: typeof kernel.language === 'string' ? kernel.language : null,
    processProxy,
    problems,
  };
}

/** JSON.parse says "at position N"; an operator's editor wants the line and column. */
function withLine(message: string, text: string): string {
  const match = /at position (\d+)/.exec(message);
  if (!match) return message;
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`;
}
