import os from 'node:os';
import { DataError, RequirementError, UsageError } from '../../util/errors.js';
import { describeComputeGpu, sessionGpus, type ComputeGpu } from '../compute-gpu.js';
import type { BackendStatus, Engine, EngineInfo, OpenOptions } from '../types.js';
import {
  FRAMEWORK_IMPORT,
  isPythonBackend,
  parsePythonBackend,
  PYTHON_BACKENDS,
  type PythonBackendName,
  type PythonEnvironmentSpec,
  type PythonFramework,
} from './backends.js';
import { gpuUnusableReason, type DriverView } from './device-truth.js';
import { probeDriverView } from './driver-view.js';
import type { FrameworkFacts } from './facts.js';
import { KitHost } from './host-process.js';
import { DEFAULT_PYTHON_SPEC, prepareEnvironment } from './environment.js';
import { HOST_SCRIPT, PYTHON_KITS_DIR } from './kits.js';
import type { KitTransport } from './kit-transport.js';
import { jupyterVia, type JupyterKernelFacts, type JupyterTarget } from './jupyter/target.js';
import { JUPYTER_TOKEN_SECRET, readJupyterToken } from './jupyter/token.js';
import type { HostMessage } from './protocol.js';
import { runExampleScript } from './script-runner.js';
import type { PythonEnvironment, PythonSession } from './session.js';
import { installedFrameworks } from './installed-frameworks.js';
import { readPythonOptions } from './options.js';
import { assertTrustedKits } from './trusted-kits.js';

export type { PythonSession } from './session.js';

export { DEFAULT_PYTHON_SPEC } from './environment.js';

export interface PythonEngineOptions {
  /** The driver's view for explaining a framework without CUDA (tests replace the probe). */
  driverView?: () => Promise<DriverView>;
}

/**
 * The python engine: the node's own PyTorch or TensorFlow, in the interpreter and environment
 * modules the operator names. Each session is one Python process (kits/python/host.py).
 */
export function createPythonEngine(engineOptions: PythonEngineOptions = {}): Engine<PythonSession> {
  return {
    id: 'python',
    async detect(): Promise<BackendStatus[]> {
      const found = await installedFrameworks(DEFAULT_PYTHON_SPEC, process.env);
      return PYTHON_BACKENDS.map((backend) => {
        const { framework } = parsePythonBackend(backend);
        const reason = found.reason ?? (found.frameworks.includes(framework) ? null : `${found.interpreter ?? 'python3'} cannot import ${FRAMEWORK_IMPORT[framework]}`);
        return { backend, available: reason === null, reason };
      });
    },
    async open(options: OpenOptions = {}): Promise<PythonSession> {
      const backend = chooseBackend(options.backend);
      const { framework, device } = parsePythonBackend(backend);
      const spec = readPythonOptions(options.engineOptions);
      // Before the interpreter starts: no GPU in scope may be computed on is a skip, never a failure.
      // A kernel may run on another node, whose GPUs are not the ones this node's probe named.
      const gpus = device === 'cuda' && spec.jupyter === undefined ? sessionGpus(options.gpus, options.computeOnEveryGpu === true, `python ${backend}`) : [];
      const { host, environment, kernel } = spec.jupyter ? await startKernel(spec, spec.jupyter, options.signal, options.secrets?.[JUPYTER_TOKEN_SECRET]) : await startInterpreter(spec);
      try {
        const reply = await host.request({ type: 'open', framework, device, threads: options.threads ?? null, training: options.training !== false, gpus: gpus.map((gpu) => gpu.ordinal) }, `opening ${framework}`);
        if (reply.type !== 'opened') throw hostError(reply, `${framework} in ${kernel ? `kernel ${kernel.facts.kernel}` : describeEnvironment(environment)}`);
        const facts = reply.facts;
        if (device === 'cuda') {
          let problem = gpuUnusableReason(facts, spec.modules, null);
          // The local driver says nothing about the node a kernel runs on.
          if (problem !== null && facts.build.cuda !== null && !kernel) problem = gpuUnusableReason(facts, spec.modules, await (engineOptions.driverView ?? probeDriverView)());
          // Each CUDA ordinal the kit names (cuda:1, GPU 1) is one of these.
          if (problem !== null) throw new Error(gpus.length > 0 ? `${problem} (opened on ${gpus.map(describeComputeGpu).join(', ')})` : problem);
        }
        return createSession(host, backend, framework, facts, environment, gpus, kernel);
      } catch (error) {
        await host.close().catch(() => undefined);
        throw error;
      }
    },
  };
}

interface StartedHost {
  host: KitTransport;
  environment: PythonEnvironment;
  /** Set when the kits run in a Jupyter kernel. */
  kernel?: { facts: JupyterKernelFacts; cpu: string | null };
}

async function startInterpreter(spec: PythonEnvironmentSpec): Promise<StartedHost> {
  const environment = await prepareEnvironment(spec);
  assertTrustedKits();
  const { host } = await KitHost.start({ interpreter: environment.interpreter, hostScript: HOST_SCRIPT, env: environment.env, echoStderr: (chunk) => process.stderr.write(chunk) });
  return { host, environment };
}

/** A kernel of the Jupyter server (--jupyter): its own interpreter and environment, as a notebook user gets them. */
async function startKernel(spec: PythonEnvironmentSpec, target: JupyterTarget, signal: AbortSignal | undefined, givenToken: string | undefined): Promise<StartedHost> {
  // Loaded only here: a local run does not pay for @jupyterlab/services.
  const { JupyterKitHost } = await import('./jupyter/kernel-host.js');
  // A case process gets the token from the runner (IPC); read here only when the engine runs in-process.
  const token = givenToken ?? readJupyterToken({ tokenFile: target.tokenFile }).token;
  const { host, hello } = await JupyterKitHost.start({ target, token, kitsDir: PYTHON_KITS_DIR, ...(signal && { signal }) });
  // An abort between requests (Ctrl-C, the watchdog) still shuts the kernel down at once.
  const onAbort = (): void => host.kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  const transport: KitTransport = {
    request: (message, what, onProgress) => host.request(message, what, onProgress),
    kill: () => host.kill(),
    close: async () => {
      signal?.removeEventListener('abort', onAbort);
      await host.close();
    },
  };
  const environment: PythonEnvironment = { interpreter: hello.executable, env: {}, baseEnv: {}, loadedModules: [], spec };
  return { host: transport, environment, kernel: { facts: host.facts, cpu: hello.cpu ?? null } };
}

function chooseBackend(requested: string | undefined): PythonBackendName {
  if (requested === undefined) return 'pytorch-cpu';
  if (!isPythonBackend(requested)) throw new UsageError(`the python engine has no backend "${requested}"`, { expected: PYTHON_BACKENDS.join(' | '), found: requested });
  return requested;
}

function describeEnvironment(environment: PythonEnvironment): string {
  const modules = environment.spec.modules.length > 0 ? ` after module load ${environment.spec.modules.join(' ')}` : '';
  return `${environment.interpreter}${modules}`;
}

function createSession(
  host: KitTransport,
  backend: PythonBackendName,
  framework: PythonFramework,
  facts: FrameworkFacts,
  environment: PythonEnvironment,
  gpus: readonly ComputeGpu[],
  kernel?: StartedHost['kernel'],
): PythonSession {
  const { device } = parsePythonBackend(backend);
  const info: EngineInfo = {
    engine: 'python',
    backend,
    device: deviceLabel(facts, device, kernel ? kernel.cpu : localCpu(), gpus),
    versions: versionsOf(facts, environment),
    ...(kernel && { via: jupyterVia(kernel.facts) }),
  };
  return {
    info,
    framework,
    device,
    kit: environment.spec.kit,
    facts,
    environment,
    gpus,
    async runKit(kit, request, options) {
      const name = typeof kit === 'string' ? kit : kit.file;
      const onAbort = (): void => host.kill();
      options.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const reply = await host.request(
          { type: 'run', kit: typeof kit === 'string' ? kit : null, file: typeof kit === 'string' ? null : kit.file, request },
          `running the ${framework} kit ${name}`,
          options.progress,
        );
        if (reply.type !== 'result') throw hostError(reply, `the ${framework} kit ${name}`);
        return reply.output;
      } finally {
        options.signal.removeEventListener('abort', onAbort);
      }
    },
    runScript(script, args, options) {
      if (kernel) throw new UsageError(`--kit installed runs the example scripts with a local interpreter; in kernel ${kernel.facts.kernel} only mlcheck's kits run`, { fix: 'drop --kit installed with --jupyter' });
      return runExampleScript(environment.interpreter, environment.env, script, args, options);
    },
    close: () => host.close(),
  };
}

/** What the host's error answer means for the case: a missing import skips, bad data is undecided, anything else fails. */
function hostError(reply: HostMessage, what: string): Error {
  if (reply.type !== 'error') return new Error(`${what}: unexpected answer ${JSON.stringify(reply).slice(0, 300)}`);
  const trace = reply.traceback ? `\n${reply.traceback.trimEnd().split('\n').slice(-8).join('\n')}` : '';
  switch (reply.kind) {
    case 'requirement':
      return new RequirementError(`${what}: ${reply.message}`, {
        ...(reply.missingImport !== undefined && { fix: [`load the module that provides ${reply.missingImport} with --modules, or point --python at an interpreter that has it`] }),
      });
    case 'data':
      return new DataError(`${what}: ${reply.message}`);
    case 'usage':
      return new UsageError(`${what}: ${reply.message}`);
    case 'failure':
      return new Error(`${what} failed: ${reply.message}${trace}`);
  }
}

function localCpu(): string | null {
  return os.cpus()[0]?.model.trim() ?? null;
}

/** The device a case ran on; cpu is the model of the machine the kits ran on (a kernel's may be another node's). */
function deviceLabel(facts: FrameworkFacts, device: 'cuda' | 'cpu', cpu: string | null, gpus: readonly ComputeGpu[]): string {
  if (device === 'cuda') {
    const build = `${facts.framework} CUDA ${facts.build.cuda ?? '?'}, cuDNN ${facts.build.cudnn ?? 'none'}`;
    if (gpus.length > 0) return `${gpus.map((gpu) => `${gpu.name ?? facts.cuda.devices[gpu.ordinal]?.name ?? 'NVIDIA GPU'} (${describeComputeGpu(gpu)})`).join(', ')}; ${build}`;
    const gpu = facts.cuda.devices[0];
    const capability = gpu?.capability ? `, compute capability ${gpu.capability.join('.')}` : '';
    return `${gpu?.name ?? 'NVIDIA GPU'} (GPU 0${capability}; ${build})`;
  }
  const threads = facts.threads !== null ? `${facts.threads} thread${facts.threads === 1 ? '' : 's'}` : 'default threads';
  return `CPU: ${cpu ?? 'unknown'} (${threads}${facts.blas ? `, ${facts.blas.split(' (')[0]}` : ''})`;
}

function versionsOf(facts: FrameworkFacts, environment: PythonEnvironment): Record<string, string> {
  return {
    [facts.framework === 'pytorch' ? 'torch' : 'tensorflow']: facts.version,
    python: facts.python,
    interpreter: environment.interpreter,
    'framework CUDA build': facts.build.cuda ?? 'none (CPU-only build)',
    cuDNN: facts.build.cudnn ?? 'none',
    ...(facts.blas !== null && { BLAS: facts.blas }),
    ...(environment.loadedModules.length > 0 && { modules: environment.loadedModules.join(' ') }),
  };
}

export const pythonEngine: Engine<PythonSession> = createPythonEngine();
