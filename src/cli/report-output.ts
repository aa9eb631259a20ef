import path from 'node:path';
import { buildJsonReport, renderConsole, renderJunit, renderPrometheus } from '../report/index.js';
import type { RunRecord } from '../runner/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface ReportTargets {
  json?: string;
  junit?: string;
  prom?: string;
}

/**
 * The run directory always gets report.json (next to its case files); --json/--junit/--prom add
 * copies where the operator's systems read them. Every write is atomic, so a collector never
 * sees half a file.
 */
export function writeReports(record: RunRecord, targets: ReportTargets): string[] {
  const json = `${JSON.stringify(buildJsonReport(record), null, 2)}\n`;
  const written: string[] = [];
  const write = (file: string, text: string): void => {
    writeFileAtomic(file, text);
    written.push(file);
  };
  write(path.join(record.session.outDir, 'report.json'), json);
  if (targets.json) write(path.resolve(targets.json), json);
  if (targets.junit) write(path.resolve(targets.junit), renderJunit(record));
  if (targets.prom) write(path.resolve(targets.prom), renderPrometheus(record));
  return written;
}

export function renderRunConsole(record: RunRecord, color: boolean, strict = false): string {
  return renderConsole(record, { color, strict, showLines: true });
}
