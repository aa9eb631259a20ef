import os from 'node:os';
import type { Command } from 'commander';
import { parseModulePath } from '../../engines/python/cli-options.js';
import { jupyterDataPath } from '../../kernelspecs/data-path.js';
import type { KernelspecProblem, KernelspecsReport } from '../../kernelspecs/kernelspec-types.js';
import { validateKernelspecs } from '../../kernelspecs/validate-kernelspecs.js';
import { EXIT, type CliContext } from '../context.js';
import { helpExamples } from '../help-examples.js';
import { commanderParser } from '../engine-options.js';

interface KernelsFlags {
  json?: boolean;
  modulePath?: string[];
}

export function registerJupyter(program: Command, context: CliContext): void {
  const jupyter = program
    .command('jupyter')
    .summary("Jupyter: check the kernelspecs users' notebooks start (run workloads in a kernel with `run --jupyter`)")
    .description('Checks what a notebook user gets on this node: `jupyter kernels` validates the kernelspecs; `mlcheck run --jupyter URL --kernel NAME` runs the workloads inside a kernel that a Jupyter server starts.');
  jupyter
    .command('kernels')
    .summary('find the kernelspecs on the Jupyter data path and check each one')
    .description(
      [
        "Finds every kernels/<name>/kernel.json on the Jupyter data path in Jupyter's own order (`jupyter --paths`): JUPYTER_PATH, the user's folder, the environment's, the system folders; the first of a name is the one Jupyter uses, later ones are listed as shadowed.",
        'Each kernelspec must parse as JSON, its argv[0] must be an executable (python, python3 and python3.X are the server\'s own interpreter), its argv must pass {connection_file} or the gateway\'s {kernel_id} and {response_address}, and language and display_name must be set.',
        "An Enterprise Gateway process-proxy kernel (metadata.process_proxy) is checked as the manual configures it under metadata.process_proxy.config: environ and submit are lists of shell lines (or one string); every module that environ's `module load` lines load and k8s_env_module must resolve through this node's module system (`module -t avail`), submit's command must be sbatch, pod_template, service_template, secret_template and config_map_template must exist and parse as Kubernetes YAML, and a container (Kubernetes) kernel must name its image and pass {kernel_id}; its argv runs inside the image, so argv[0] is not looked for here.",
        'One line per problem: the file, the JSON path, what is wrong, and the fix. Exit codes: 0 every kernelspec Jupyter uses is sound, 1 one is broken, 2 bad usage.',
      ].join('\n\n'),
    )
    .option('--json', 'print the report as JSON on stdout')
    .option('--module-path <dir>', 'a modulefile directory to `module use` before resolving modules (repeatable; only root, or you, may be able to write it)', commanderParser(parseModulePath))
    .addHelpText(
      'after',
      helpExamples(
        'mlcheck jupyter kernels',
        { comment: "with the site's modulefiles; the gateway's kernelspecs: JUPYTER_PATH=/opt/eg/share/jupyter", command: 'mlcheck jupyter kernels --module-path /cm/shared/modulefiles' },
        'mlcheck jupyter kernels --json',
      ),
    )
    .action(async (flags: KernelsFlags) => {
      const report = await validateKernelspecs({ dataPath: jupyterDataPath({ env: process.env, home: os.homedir() }), env: process.env, modulePaths: flags.modulePath ?? [] });
      context.out(flags.json ? JSON.stringify(report, null, 2) : formatKernelspecs(report));
      context.setExitCode(report.kernelspecs.some((k) => k.problems.length > 0) ? EXIT.failed : EXIT.ok);
    });
}

/** A table of the kernelspecs, then one line per problem. */
export function formatKernelspecs(report: KernelspecsReport): string {
  const lines = [`Jupyter data path: ${report.dataPath.map((d) => `${d.dir} (${d.source})`).join(', ')}`];
  if (report.moduleSystem !== null) lines.push(`modules: ${report.moduleSystem.initScript ?? 'no module system'}${report.moduleSystem.error ? ` (${report.moduleSystem.error})` : ''}`);
  lines.push('');
  if (report.kernelspecs.length === 0) return [...lines, 'no kernelspecs found (no <dir>/kernels/<name>/kernel.json on the data path)'].join('\n');
  const rows = report.kernelspecs.map((k) => [k.name, k.shadowedBy !== null ? 'shadowed' : k.problems.length > 0 ? `BROKEN (${k.problems.length})` : 'ok', k.processProxy?.split('.').pop() ?? '-', k.displayName ?? '-', k.shadowedBy !== null ? `${k.file} (Jupyter uses ${k.shadowedBy})` : k.file]);
  const table = [['KERNEL', 'STATUS', 'PROCESS PROXY', 'DISPLAY NAME', 'FILE'], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  lines.push(...table.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd()));
  const problems = report.kernelspecs.flatMap((k) => k.problems);
  if (problems.length > 0) lines.push('', ...problems.map(problemLine));
  return lines.join('\n');
}

/** file: JSON path: what is wrong; fix: what to do. One line, so that grep and CI logs keep it whole. */
export function problemLine(problem: KernelspecProblem): string {
  return `${problem.file}: ${problem.path}: ${problem.message.replace(/\s*\n\s*/g, ' ')}; fix: ${problem.fix}`;
}
