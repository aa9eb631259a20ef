import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { discoverFrameworks, modulePackages, type FrameworksReport, type ModuleReport } from '../../engines/python/framework-discovery.js';
import { parseModuleNames, parseModulePath } from '../../engines/python/cli-options.js';
import { listAvailableModules } from '../../engines/python/module-avail.js';
import { hasNvidiaGpus, probeNode, type ProbeSnapshot } from '../../probe/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { describeError } from '../../util/errors.js';
import { EXIT, type CliContext } from '../context.js';
import { commanderParser } from '../engine-options.js';

interface FrameworksFlags {
  modules?: string[];
  modulePath?: string[];
  python?: string;
  json?: string;
  import: boolean;
  probe: boolean;
}

export function registerFrameworks(program: Command, context: CliContext): void {
  program
    .command('frameworks')
    .summary("the node's ML modules, the frameworks each makes importable, and checks against the probe")
    .description(
      [
        "Lists the environment modules in the manual's naming (<framework>-py<NN>-<cuda10.x | mkl>-<gcc | gcc8>, from `module -t avail`), loads each after --modules in a fresh bash as a job script would, and imports its framework in that Python to report its version, CUDA and cuDNN build and the GPUs it sees. The first row is the environment without a framework module.",
        "Each module is checked against the hardware probe: the manual's rules for its package (a -cuda module on a node without a GPU, an mkl-gcc8 module on a CPU without AVX-512 VNNI), a CUDA build newer than the driver supports (cuDriverGetVersion), a CPU-only build inside a -cuda module, and a framework that does not see the node's GPU.",
        'Exit codes: 0 no check failed, 1 a check failed, 2 bad usage.',
      ].join('\n\n'),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  mlcheck frameworks                                      every ML module, imported and checked',
        '  mlcheck frameworks --modules shared --json frameworks.json',
        '  mlcheck frameworks --module-path /cm/shared/modulefiles --no-import',
      ].join('\n'),
    )
    .option('--modules <names>', 'modules to load before each framework module, e.g. shared (repeatable)', commanderParser(parseModuleNames))
    .option('--module-path <dir>', 'a modulefile directory to `module use` first (repeatable; only root, or you, may be able to write it)', commanderParser(parseModulePath))
    .option('--python <path>', 'this interpreter instead of python3 on the module\'s PATH')
    .option('--json <file>', "write the report as JSON (schema/frameworks.schema.json); '-' for stdout")
    .option('--no-import', 'list and check the module names only (importing a framework takes seconds per module)')
    .option('--no-probe', 'no hardware probe: the checks against the node are skipped')
    .action(async (flags: FrameworksFlags) => {
      const report = await frameworksCommand(flags, context);
      if (flags.json !== undefined) {
        const json = `${JSON.stringify(report, null, 2)}\n`;
        if (flags.json === '-') context.out(json);
        else writeFileAtomic(path.resolve(flags.json), json);
      }
      if (flags.json !== '-') context.out(formatFrameworks(report));
      context.setExitCode(report.modules.some((m) => m.checks.some((c) => c.status === 'fail')) ? EXIT.failed : EXIT.ok);
    });
}

export async function frameworksCommand(flags: FrameworksFlags, context: CliContext): Promise<FrameworksReport> {
  if (flags.python !== undefined && flags.python.includes('/') && !path.isAbsolute(flags.python)) flags.python = path.resolve(flags.python);
  const modulePaths = flags.modulePath ?? [];
  const available = await listAvailableModules({ env: process.env, modulePaths });
  if (available.error !== null) context.err(`mlcheck: ${available.error}`);
  let probe: ProbeSnapshot | null = null;
  if (flags.probe) {
    try {
      probe = await probeNode({ packages: modulePackages(available), installedPackages: false });
    } catch (error) {
      context.err(`mlcheck: the hardware probe failed, continuing without it: ${describeError(error)}`);
    }
  }
  return discoverFrameworks({
    available,
    prerequisites: flags.modules ?? [],
    modulePaths,
    ...(flags.python !== undefined && { interpreter: flags.python }),
    importFrameworks: flags.import,
    probe,
    gpuPresent: probe !== null && hasNvidiaGpus(probe),
    host: os.hostname(),
  });
}

/** One line per module: framework, what imports, devices, then each check that did not pass. */
export function formatFrameworks(report: FrameworksReport): string {
  const node = report.node;
  const header = [
    `node: ${node.cpu ?? 'CPU unknown'}; ${node.gpuPresent ? `NVIDIA GPU present, driver CUDA ${node.driverCudaVersion ?? 'unknown'}` : 'no NVIDIA GPU'}${node.gpuError && node.gpuPresent ? ` (${node.gpuError})` : ''}`,
    `modules: ${report.moduleSystem.initScript ?? 'no module system'}${report.moduleSystem.error ? ` (${report.moduleSystem.error})` : ''}; loaded first: ${report.prerequisites.join(' ') || 'nothing'}`,
    '',
  ];
  const rows = report.modules.map((m) => [m.module ?? '(no framework module)', m.naming?.framework ?? m.naming?.packageFramework ?? '-', m.naming?.accelerator ?? '-', imported(m), devices(m), verdict(m)]);
  const table = [['MODULE', 'FRAMEWORK', 'BUILD', 'IMPORTS', 'DEVICES', 'CHECKS'], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  const lines = table.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd());
  const problems = report.modules.flatMap((m) => m.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.status.toUpperCase()} ${m.module ?? '(no framework module)'} ${c.check}: ${c.reason}${c.fix ? `\n     fix: ${c.fix}` : ''}`));
  return [...header, ...lines, ...(problems.length > 0 ? ['', ...problems] : [])].join('\n');
}

function imported(m: ModuleReport): string {
  const environment = m.environment;
  if (environment === null) return m.naming?.framework ? 'not imported (--no-import)' : '-';
  if (environment.error !== null) return `environment failed`;
  const parts = Object.entries(environment.frameworks).map(([framework, result]) => {
    if (result.status === 'importable') return `${framework} ${result.facts.version}${result.facts.build.cuda ? ` (CUDA ${result.facts.build.cuda})` : ' (CPU-only)'}`;
    return `${framework} ${result.status}`;
  });
  return `${parts.join(', ') || '-'}${environment.python ? ` · Python ${environment.python}` : ''}`;
}

function devices(m: ModuleReport): string {
  const found = Object.values(m.environment?.frameworks ?? {}).flatMap((result) => (result.status === 'importable' ? [result.facts] : []));
  if (found.length === 0) return '-';
  const gpus = found.flatMap((facts) => facts.cuda.devices.map((d) => d.name));
  return gpus.length > 0 ? [...new Set(gpus)].join(', ') : 'cpu';
}

function verdict(m: ModuleReport): string {
  const counts = { fail: 0, warn: 0, pass: 0, skip: 0 };
  for (const check of m.checks) counts[check.status]++;
  if (m.checks.length === 0) return '-';
  return counts.fail > 0 ? `FAIL (${counts.fail})` : counts.warn > 0 ? `WARN (${counts.warn})` : counts.pass > 0 ? 'pass' : 'skip';
}
