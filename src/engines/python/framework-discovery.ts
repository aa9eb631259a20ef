import type { ProbeSnapshot } from '../../probe/index.js';
import { PYTHON_FRAMEWORKS, FRAMEWORK_IMPORT, type PythonFramework } from './backends.js';
import { describeEnvironment, type EnvironmentDescription } from './describe-frameworks.js';
import { compareVersions, gpuUnusableReason } from './device-truth.js';
import type { AvailableModules } from './module-avail.js';
import { parseMlModuleName, type MlModuleName } from './module-names.js';

export const FRAMEWORKS_SCHEMA_VERSION = 1;

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface FrameworkCheck {
  /** `package-rules` (the manual's rules for cm-<module>), `driver-cuda`, `import`, `gpu`. */
  check: string;
  status: CheckStatus;
  reason: string;
  fix: string | null;
}

export interface ModuleReport {
  /** As `module -t avail` lists it; null for the environment without a framework module. */
  module: string | null;
  naming: Pick<MlModuleName, 'packageFramework' | 'framework' | 'python' | 'compiler'> & { accelerator: string | null } | null;
  environment: EnvironmentDescription | null;
  checks: FrameworkCheck[];
}

export interface FrameworksReport {
  schemaVersion: number;
  host: string;
  moduleSystem: { initScript: string | null; error: string | null };
  /** Loaded before each framework module (--modules), e.g. ["shared"]. */
  prerequisites: string[];
  modulePaths: string[];
  interpreter: string | null;
  node: { gpuPresent: boolean; driverCudaVersion: string | null; gpuError: string | null; cpu: string | null };
  modules: ModuleReport[];
}

export interface DiscoverOptions {
  /** What `module -t avail` listed (listAvailableModules). */
  available: AvailableModules;
  prerequisites: readonly string[];
  modulePaths: readonly string[];
  interpreter?: string;
  /** Import the frameworks (seconds each); false: list and check the names only. */
  importFrameworks: boolean;
  probe: ProbeSnapshot | null;
  gpuPresent: boolean;
  env?: NodeJS.ProcessEnv;
  host: string;
}

/** The package each ML module of the listing comes from (cm-<name without version>), for the probe to judge. */
export function modulePackages(available: AvailableModules): string[] {
  return [...new Set(available.modules.map((name) => parseMlModuleName(name)).filter((parsed): parsed is MlModuleName => parsed !== null).map((parsed) => `cm-${parsed.base}`))];
}

/**
 * The ML modules the node offers (`module -t avail`, the manual's naming), each loaded after the
 * prerequisites to import its framework, and checked against the probe: the manual's package
 * rules, the driver's CUDA version, and whether the framework sees the GPU the node has.
 */
export async function discoverFrameworks(options: DiscoverOptions): Promise<FrameworksReport> {
  const env = options.env ?? process.env;
  const avail = options.available;
  const mlModules = avail.modules.map((name) => parseMlModuleName(name)).filter((parsed): parsed is MlModuleName => parsed !== null);
  const spec = (modules: readonly string[]) => ({ ...(options.interpreter !== undefined && { interpreter: options.interpreter }), modules: [...options.prerequisites, ...modules], modulePaths: options.modulePaths, kit: 'mlcheck' as const, examplesDirs: [] });
  const driverCuda = options.probe?.driver?.cudaVersion ?? null;
  const reports: ModuleReport[] = [];

  // The environment without a framework module first: what a job gets before `module load`.
  const baseline = options.importFrameworks ? await describeEnvironment(spec([]), PYTHON_FRAMEWORKS, env) : null;
  reports.push({ module: null, naming: null, environment: baseline, checks: baseline ? importChecks(baseline, null, options) : [] });

  for (const parsed of mlModules) {
    const environment = options.importFrameworks && parsed.framework !== null ? await describeEnvironment(spec([parsed.name]), [parsed.framework], env) : null;
    const checks = [...packageChecks(parsed, options.probe), ...driverChecks(parsed, driverCuda, options.probe), ...(environment ? importChecks(environment, parsed, options) : [])];
    reports.push({
      module: parsed.name,
      naming: { packageFramework: parsed.packageFramework, framework: parsed.framework, python: parsed.python, compiler: parsed.compiler, accelerator: acceleratorName(parsed) },
      environment,
      checks,
    });
  }
  return {
    schemaVersion: FRAMEWORKS_SCHEMA_VERSION,
    host: options.host,
    moduleSystem: { initScript: avail.initScript, error: avail.error },
    prerequisites: [...options.prerequisites],
    modulePaths: [...options.modulePaths],
    interpreter: options.interpreter ?? null,
    node: { gpuPresent: options.gpuPresent, driverCudaVersion: driverCuda, gpuError: options.probe?.gpuError ?? null, cpu: options.probe?.cpu.brand ?? null },
    modules: reports,
  };
}

function acceleratorName(parsed: MlModuleName): string | null {
  const accelerator = parsed.accelerator;
  if (accelerator === null) return null;
  return accelerator.kind === 'cuda' ? `cuda${accelerator.version}` : accelerator.kind;
}

/** The manual's rules for the package the module comes from (cm-<module>): CUDA without a GPU, gcc8 without VNNI, ... */
function packageChecks(parsed: MlModuleName, probe: ProbeSnapshot | null): FrameworkCheck[] {
  if (probe === null) return [{ check: 'package-rules', status: 'skip', reason: 'no hardware probe (--no-probe, or it failed)', fix: null }];
  const verdict = probe.verdicts.find((v) => v.kind === 'package' && v.subject === `cm-${parsed.base}`);
  if (!verdict) return [{ check: 'package-rules', status: 'skip', reason: `the probe judged no package cm-${parsed.base}`, fix: null }];
  return [{ check: 'package-rules', status: verdict.status, reason: `cm-${parsed.base}: ${verdict.reason}`, fix: verdict.fix }];
}

/** A module built for a newer CUDA than the driver supports cannot run on its GPUs. */
function driverChecks(parsed: MlModuleName, driverCuda: string | null, probe: ProbeSnapshot | null): FrameworkCheck[] {
  if (parsed.accelerator?.kind !== 'cuda') return [];
  const built = parsed.accelerator.version;
  if (driverCuda === null) {
    return [{ check: 'driver-cuda', status: 'skip', reason: `built for CUDA ${built}; the driver's CUDA version is unknown${probe?.gpuError ? ` (${probe.gpuError})` : ''}`, fix: null }];
  }
  if (compareVersions(built, driverCuda) > 0) {
    return [{ check: 'driver-cuda', status: 'fail', reason: `built for CUDA ${built}, but the driver supports CUDA ${driverCuda} at most (cuDriverGetVersion)`, fix: `update the NVIDIA driver to one for CUDA ${built} or newer, or use a module built for CUDA ${driverCuda} or older` }];
  }
  return [{ check: 'driver-cuda', status: 'pass', reason: `built for CUDA ${built}; the driver supports CUDA ${driverCuda}`, fix: null }];
}

/** Whether the framework imports in the module's environment, and whether it sees the node's GPU. */
function importChecks(environment: EnvironmentDescription, parsed: MlModuleName | null, options: DiscoverOptions): FrameworkCheck[] {
  const what = parsed ? `module ${parsed.name}` : 'the environment without a framework module';
  if (environment.error !== null) return [{ check: 'import', status: 'fail', reason: `${what}: ${environment.error}`, fix: null }];
  const checks: FrameworkCheck[] = [];
  for (const [framework, result] of Object.entries(environment.frameworks) as [PythonFramework, NonNullable<EnvironmentDescription['frameworks'][PythonFramework]>][]) {
    const module = FRAMEWORK_IMPORT[framework];
    if (result.status === 'missing') {
      // Without a module nothing has to be importable; a framework's own module must provide it.
      checks.push({ check: 'import', status: parsed ? 'fail' : 'skip', reason: `${module} is not importable: ${result.message}`, fix: parsed ? `check \`module show ${parsed.name}\` (PYTHONPATH, the python it puts on PATH)` : null });
      continue;
    }
    if (result.status === 'broken') {
      checks.push({ check: 'import', status: 'fail', reason: `${module} is installed but fails to import: ${result.message}`, fix: 'a library it needs is missing or of the wrong version: see the message' });
      continue;
    }
    const facts = result.facts;
    checks.push({ check: 'import', status: 'pass', reason: `${module} ${facts.version} (Python ${facts.python}, ${facts.location})`, fix: null });
    const moduleCuda = parsed?.accelerator?.kind === 'cuda';
    const cpuModule = parsed !== null && parsed.accelerator !== null && parsed.accelerator.kind !== 'cuda';
    if (cpuModule && facts.build.cuda === null) {
      if (options.gpuPresent) checks.push({ check: 'gpu', status: 'skip', reason: `a ${acceleratorName(parsed)} build: runs on the CPU by design`, fix: null });
      continue;
    }
    if (!options.gpuPresent && !(moduleCuda && facts.build.cuda === null)) continue;
    const problem = gpuUnusableReason(facts, parsed ? [parsed.name] : [], { cudaVersion: options.probe?.driver?.cudaVersion ?? null, error: options.probe?.gpuError ?? null });
    if (problem === null) {
      checks.push({ check: 'gpu', status: 'pass', reason: `sees ${facts.cuda.deviceCount} GPU(s): ${facts.cuda.devices.map((d) => `${d.name}${d.capability ? ` (${d.capability.join('.')})` : ''}`).join(', ')}`, fix: null });
    } else {
      // A framework module built for CUDA must use the GPU; the environment without one only may.
      checks.push({ check: 'gpu', status: moduleCuda ? 'fail' : 'warn', reason: problem, fix: null });
    }
  }
  return checks;
}
