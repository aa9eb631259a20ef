import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DataError, UsageError } from '../util/errors.js';
import { REPORT_KIND, type JsonReport } from './json-report.js';
import { validateReport } from './validate.js';

export interface LoadedReport {
  file: string;
  report: JsonReport;
}

export interface ReadReportsOptions {
  /** How deep to look inside a directory argument (run directories nest a report one level down). */
  maxDepth?: number;
}

/**
 * Reads mlcheck JSON reports from files and directories. A file named on the command line must
 * be a valid report; inside a directory, JSON files that are not reports (case files, run.json)
 * are passed over, but a report that breaks the schema is an error, not a silent omission.
 */
export function readReports(paths: readonly string[], options: ReadReportsOptions = {}): LoadedReport[] {
  const maxDepth = options.maxDepth ?? 3;
  const loaded: LoadedReport[] = [];
  for (const given of paths) {
    let stats;
    try {
      stats = statSync(given);
    } catch {
      throw new UsageError(`no such file or directory: ${given}`, { file: given, fix: 'pass JSON reports written by `mlcheck run --json FILE`, or directories holding them' });
    }
    if (stats.isDirectory()) {
      const found = jsonFilesUnder(given, maxDepth).flatMap((file) => {
        const report = readOne(file, { mustBeReport: false });
        return report ? [{ file, report }] : [];
      });
      if (found.length === 0) throw new UsageError(`no mlcheck JSON report in ${given}`, { file: given, fix: 'write reports with `mlcheck run --json FILE`' });
      loaded.push(...found);
    } else {
      loaded.push({ file: given, report: readOne(given, { mustBeReport: true })! });
    }
  }
  return loaded;
}

function readOne(file: string, { mustBeReport }: { mustBeReport: boolean }): JsonReport | null {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if (!mustBeReport) return null;
    throw new DataError(`${file} is not JSON: ${(error as Error).message}`, { file, expected: 'an mlcheck JSON report', fix: 'write reports with `mlcheck run --json FILE`' });
  }
  const kind = typeof document === 'object' && document !== null ? (document as { kind?: unknown }).kind : undefined;
  if (kind !== REPORT_KIND) {
    if (!mustBeReport) return null;
    throw new DataError(`${file} is not an mlcheck run report`, { file, expected: `"kind": "${REPORT_KIND}"`, found: JSON.stringify(kind) ?? 'no kind' });
  }
  const result = validateReport(document);
  if (!result.valid) {
    throw new DataError(`${file} does not match the mlcheck report schema`, { file, expected: 'schema/report.schema.json', found: result.errors.slice(0, 5).join('; ') });
  }
  return result.report;
}

function jsonFilesUnder(dir: string, depth: number): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && depth > 0) files.push(...jsonFilesUnder(full, depth - 1));
    else if (entry.isFile() && entry.name.endsWith('.json')) files.push(full);
  }
  return files;
}
