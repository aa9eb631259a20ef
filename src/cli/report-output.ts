import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildJsonReport, renderConsole, renderJunit, renderPrometheus } from '../report/index.js';
import type { DecidedRun } from '../references/run-outcome.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UsageError, describeError } from '../util/errors.js';
import { EXIT, type CliContext } from './context.js';
import { exitCodeForRun } from './outcome-exit.js';

export interface ReportTargets {
  json?: string | undefined;
  junit?: string | undefined;
  prom?: string | undefined;
}

const FLAGS: Record<keyof ReportTargets, string> = { json: '--json', junit: '--junit', prom: '--prom' };

/**
 * Checks every report path before the run starts, so a typo costs seconds, not the hours of a
 * reference run: the file must not be a directory, and its nearest existing folder must be a
 * writable directory (missing folders below it are created at write time).
 */
export function checkReportTargets(targets: ReportTargets): void {
  for (const [key, flag] of Object.entries(FLAGS) as Array<[keyof ReportTargets, string]>) {
    const target = targets[key];
    if (target === undefined) continue;
    const file = path.resolve(target);
    if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag} ${target} is a directory`, { file, fix: `give ${flag} a file name, e.g. ${path.join(target, `mlcheck.${key === 'prom' ? 'prom' : key === 'junit' ? 'xml' : 'json'}`)}` });
    let folder = path.dirname(file);
    while (!existsSync(folder)) folder = path.dirname(folder);
    if (!statSync(folder).isDirectory()) throw new UsageError(`${flag} ${target}: ${folder} is not a directory`, { file, fix: `choose a path under a directory for ${flag}` });
    try {
      accessSync(folder, constants.W_OK);
    } catch {
      throw new UsageError(`${flag} ${target}: cannot write in ${folder}`, { file, fix: `choose a writable location for ${flag}, or run as a user who can write there` });
    }
  }
}

/**
 * The run directory always gets report.json (next to its case files); --json/--junit/--prom add
 * copies where the operator's systems read them. Every write is atomic, so a collector never
 * sees half a file, and one failing write does not stop the others. Returns the failures.
 */
export function writeReports(record: DecidedRun, targets: ReportTargets, extraPrometheus = ''): string[] {
  const json = `${JSON.stringify(buildJsonReport(record), null, 2)}\n`;
  const failures: string[] = [];
  const write = (flag: string, file: string, render: () => string): void => {
    try {
      writeFileAtomic(file, render());
    } catch (error) {
      failures.push(`${flag}: could not write ${file}: ${describeError(error)}`);
    }
  };
  write('report', path.join(record.session.outDir, 'report.json'), () => json);
  if (targets.json) write(FLAGS.json, path.resolve(targets.json), () => json);
  if (targets.junit) write(FLAGS.junit, path.resolve(targets.junit), () => renderJunit(record));
  if (targets.prom) write(FLAGS.prom, path.resolve(targets.prom), () => renderPrometheus(record) + extraPrometheus);
  return failures;
}

/**
 * Prints the result table and the one-line verdict, writes the reports, and sets the exit code
 * (docs/design.md §4), all from the run's stored decision. A report that cannot be written makes an
 * otherwise passing run undecided: the operator's monitoring would not see the result.
 */
export function deliverRun(context: CliContext, record: DecidedRun, targets: ReportTargets, extraPrometheus = ''): void {
  context.out(renderConsole(record, { color: context.isTTY, showLines: true }));
  const failures = writeReports(record, targets, extraPrometheus);
  for (const failure of failures) context.err(`mlcheck: ${failure}`);
  const code = exitCodeForRun(record);
  context.setExitCode(failures.length > 0 && code === EXIT.ok ? EXIT.undecided : code);
}
