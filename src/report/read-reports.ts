import { lstatSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../util/errors.js';
import type { JsonReport } from './json-report.js';
import { readReportFile, type ReadReportFileOptions } from './read-report-file.js';

export interface LoadedReport {
  file: string;
  report: JsonReport;
}

/** A file that could not count: the comparison goes on without it and says so. */
export interface RefusedReport {
  file: string;
  /** What is wrong with it; never its content. */
  problem: string;
  /** The host it claims, when it got far enough to claim one: never its identity, only a hint for the reader. */
  claimedHost: string | null;
}

export interface ReadReportsResult {
  reports: LoadedReport[];
  refused: RefusedReport[];
}

export interface ReadReportsOptions extends ReadReportFileOptions {
  /** How deep to look inside a directory argument (run directories nest a report one level down). */
  maxDepth?: number;
}

const FIX = 'pass JSON reports written by `mlcheck run --json FILE`, or directories holding them';

/**
 * Reads mlcheck JSON reports from files and directories, each as untrusted input
 * (readReportFile). A path that does not exist is a usage error. A file named on the command line
 * that is not a valid report is refused, and so is a `.json` entry of a directory that is not a
 * regular file or not JSON, or a report that breaks the schema; the others are still read. JSON
 * files that are not reports (a run directory's case files, run.json) are passed over. When
 * nothing at all could be read, that is a usage error naming every refused file.
 */
export function readReports(paths: readonly string[], options: ReadReportsOptions = {}): ReadReportsResult {
  const maxDepth = options.maxDepth ?? 3;
  const result: ReadReportsResult = { reports: [], refused: [] };
  for (const given of paths) {
    // A directory the caller named is searched even through a link (their own /shared/latest); a file is read only if it is no link.
    let isDirectory = false;
    try {
      isDirectory = statSync(given).isDirectory();
    } catch {
      // A dangling or looping link is still there: readReportFile refuses it as a link.
      if (!existsAsLink(given)) throw new UsageError(`no such file or directory: ${given}`, { file: given, fix: FIX });
    }
    if (isDirectory) {
      const before = result.reports.length + result.refused.length;
      for (const entry of jsonEntriesUnder(given, maxDepth)) {
        if (entry.problem !== null) {
          result.refused.push({ file: entry.file, problem: entry.problem, claimedHost: null });
          continue;
        }
        const read = readReportFile(entry.file, options);
        if (read.kind === 'report') result.reports.push({ file: entry.file, report: read.report });
        else if (read.kind === 'refused') result.refused.push({ file: entry.file, problem: read.problem, claimedHost: read.claimedHost });
        // Gone since the listing, or a case file: nothing to say.
      }
      if (result.reports.length + result.refused.length === before) throw new UsageError(`no mlcheck JSON report in ${given}`, { file: given, fix: 'write reports with `mlcheck run --json FILE`' });
    } else {
      const read = readReportFile(given, options);
      if (read.kind === 'report') result.reports.push({ file: given, report: read.report });
      else if (read.kind === 'missing') throw new UsageError(`no such file or directory: ${given}`, { file: given, fix: FIX });
      else result.refused.push({ file: given, problem: read.problem, claimedHost: read.kind === 'refused' ? read.claimedHost : null });
    }
  }
  if (result.reports.length === 0) {
    throw new UsageError(result.refused.map((r) => `${r.file} ${r.problem}`).join('\n'), { fix: FIX });
  }
  return result;
}

function existsAsLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The `.json` entries below dir, with a problem for each one that is not a regular file (a link, a FIFO). */
function jsonEntriesUnder(dir: string, depth: number): { file: string; problem: string | null }[] {
  const entries: { file: string; problem: string | null }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth > 0) entries.push(...jsonEntriesUnder(full, depth - 1));
    } else if (entry.name.endsWith('.json')) {
      entries.push({ file: full, problem: entry.isFile() ? null : entry.isSymbolicLink() ? 'is a symbolic link: not followed' : 'is not a regular file' });
    }
  }
  return entries;
}
