import type { Command } from 'commander';
import { fractionParser } from '../option-parsers.js';
import { compareReports, renderCompare } from '../../report/compare.js';
import { readReports } from '../../report/read-reports.js';
import { loadNodeReferences } from '../../references/node-references.js';
import { EXIT, type CliContext } from '../context.js';
import { helpExamples } from '../help-examples.js';

interface CompareFlags {
  tolerance: number;
  references?: string;
  json?: boolean;
}

export function registerCompare(program: Command, context: CliContext): void {
  program
    .command('compare')
    .summary('compare run reports across nodes and flag the outliers')
    .description(
      [
        'Reads JSON reports (`mlcheck run --json FILE`; directories are searched for them) from several nodes and prints a table of nodes x metrics. Flags every node whose metric is worse than the fleet median by more than --tolerance (which way is worse comes from the metric rules in references/nodes.yaml), and every node whose case passed where most failed, or failed where most passed.',
        'Only like runs are compared: a column holds one profile, one model and one set of hyperparameters, and each host contributes its latest report of each profile. A note says when runs were kept apart.',
        'Reports are untrusted input: anyone who can write where they are kept can write one. A file that is not a regular file (a link, a FIFO), larger than 16 MiB, not a valid report, or that says it started in the future is refused and listed, and the others are compared. A report names its host itself, so several reports that claim one host and profile flag that host, naming each file. Text from reports is printed with control characters escaped.',
        'Exit codes: 0 no node flagged, 1 a node flagged, 2 bad usage or no readable report at all, 3 no node flagged but a report was refused (the comparison is incomplete).',
      ].join('\n\n'),
    )
    .argument('<report...>', 'JSON report files or directories holding them')
    .option('-t, --tolerance <fraction>', 'how much worse than the fleet median is tolerated (0.10 = 10 %)', fractionParser(), 0.1)
    .option('--references <file>', 'node reference file whose metric rules say which way is better (default: the shipped references/nodes.yaml)')
    .option('--json', 'print the comparison as JSON instead of a table')
    .addHelpText(
      'after',
      helpExamples(
        { comment: 'on each node, e.g. in a Slurm job:', command: 'mlcheck run --json /shared/mlcheck/$(hostname)/report.json' },
        { comment: 'then, on any node:', command: 'mlcheck compare /shared/mlcheck/*/report.json --tolerance 0.15' },
        'mlcheck compare /shared/mlcheck --json',
      ),
    )
    .action((paths: string[], flags: CompareFlags) => {
      const rules = loadNodeReferences(flags.references).metrics;
      // No readable report at all is a usage error (exit 2), naming each file's problem.
      const { reports, refused } = readReports(paths);
      const result = compareReports(reports, { tolerance: flags.tolerance, rules });
      if (flags.json) {
        context.out(`${JSON.stringify({ ...result, files: reports.map((r) => ({ file: r.file, host: r.report.session.host })), refused }, null, 2)}`);
      } else {
        context.out(renderCompare(result, { refused }));
      }
      // A flag is a finding whatever else was refused; without one, a refused report leaves the fleet undecided.
      context.setExitCode(result.flags.length > 0 ? EXIT.failed : refused.length > 0 ? EXIT.undecided : EXIT.ok);
    });
}
