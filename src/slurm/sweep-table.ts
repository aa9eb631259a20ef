import { sanitizeText } from '../util/sanitize-text.js';
import type { SweepNode } from './sweep.js';

/** The details come from the nodes' reports and from Slurm: each cell is sanitised onto one line. */
const DETAIL_MAX_LENGTH = 300;

/** The sweep's table: one row per node (status, job, detail), then a line of counts. */
export function renderSweepTable(results: readonly SweepNode[], outliers: readonly string[]): string {
  const cell = (text: string, maxLength = 100): string => sanitizeText(text, { oneLine: true, maxLength });
  const rows = results.map((r) => [
    cell(r.node),
    outliers.includes(r.node) && r.status === 'pass' ? 'pass (outlier)' : r.status,
    r.jobId === null ? '-' : cell(`${r.jobId} ${r.jobState ?? ''}`.trim()),
    cell(r.detail, DETAIL_MAX_LENGTH),
  ]);
  const header = ['NODE', 'STATUS', 'JOB', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (row: string[]): string => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const counts = (['fail', 'undecided', 'not started', 'skipped'] as const).map((status) => `${results.filter((r) => r.status === status).length} ${status}`);
  return [format(header), ...rows.map(format), `sweep: ${results.length} nodes, ${results.filter((r) => r.status === 'pass').length} passed, ${counts.join(', ')}, ${outliers.length} outliers`].join('\n');
}
