import type { JsonReport } from '../report/json-report.js';
import { readReportFile, type ReadReportFileOptions } from '../report/read-report-file.js';

export interface SweepReportOptions extends ReadReportFileOptions {
  /** The job the sweep submitted for the node, and the node: where the report came from is its identity. */
  jobId: string;
  node: string;
}

export type SweepReport =
  | { kind: 'none' }
  /** Not this job's report on this node (an earlier sweep's, another job's): it decides nothing. */
  | { kind: 'foreign'; why: string }
  /** Unreadable or invalid (a FIFO, a link, broken JSON, a schema break, a start in the future): the node is undecided. */
  | { kind: 'refused'; problem: string }
  | { kind: 'report'; report: JsonReport; status: 'pass' | 'fail' | 'undecided'; summary: string; subjects: string[] };

/**
 * Reads DIR/<node>/report.json after the sweep's job for the node ended. The report is untrusted
 * input (readReportFile): whatever is wrong with it makes this node undecided and nothing else,
 * and it counts only when its session names the job submitted for this node. The node it is
 * judged as is the one the sweep submitted to, never the host the report names.
 */
export function readSweepReport(file: string, options: SweepReportOptions): SweepReport {
  const read = readReportFile(file, options);
  if (read.kind === 'missing') return { kind: 'none' };
  if (read.kind !== 'report') return { kind: 'refused', problem: read.problem };
  const report = read.report;
  const foreign = foreignReport(report, options.jobId, options.node);
  if (foreign !== null) return { kind: 'foreign', why: foreign };
  // A report of mlcheck before 0.2 has no outcome: it cannot say what it decided.
  if (report.outcome === undefined) return { kind: 'refused', problem: 'has no outcome (written by mlcheck before 0.2)' };
  const { status, summary, subjects } = report.outcome;
  return { kind: 'report', report, status: status === 'fail' ? 'fail' : status === 'undecided' ? 'undecided' : 'pass', summary, subjects: subjects ?? [] };
}

/** Why a report is not the one this job wrote on this node; null when it is. */
function foreignReport(report: JsonReport, jobId: string, node: string): string | null {
  const job = report.session.slurm;
  if (job === null || job === undefined) return `it names no Slurm job (an earlier sweep's, or written outside Slurm), not job ${jobId}`;
  if (job.jobId !== jobId) return `it is job ${job.jobId}'s, not job ${jobId}'s`;
  const ranOn = job.node ?? report.session.host;
  if (ranOn !== node) return `it ran on ${ranOn}, not on ${node}`;
  return null;
}
