import { jsonNestingDepth } from '../util/json-nesting-depth.js';
import { readUntrustedFile } from '../util/read-untrusted-file.js';
import { sanitizeText } from '../util/sanitize-text.js';
import { VERDICT_MAX_LENGTH } from './console.js';
import { REPORT_KIND, type JsonReport } from './json-report.js';
import { validateReport } from './validate.js';

/**
 * A report is at most 16 MiB. A real one is tens to a few hundred KiB (a standard run of every
 * case with the GPU health tables of eight GPUs); 16 MiB leaves two orders of magnitude for runs
 * with many more cases and long workload output, while the worst file allowed (16 MiB of a list
 * of eight million numbers) is still parsed and refused in a few seconds and about 300 MB of
 * memory. The schema check stops at the first mistake, so its cost stays proportional too.
 */
export const REPORT_MAX_BYTES = 16 * 1024 * 1024;

/** A real report nests about 6 deep; anything past this is refused before it is parsed. */
export const REPORT_MAX_NESTING = 64;

/** How far a report's start may lie ahead of this host's clock: NTP keeps a cluster within seconds. */
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60 * 1000;

/** How much of a schema problem is told: the value found is the report's text, so it is capped. */
const PROBLEM_MAX_LENGTH = 300;

export interface ReadReportFileOptions {
  maxBytes?: number;
  /** What "now" is when checking that a report did not start in the future (default: the clock). */
  now?: Date;
  clockSkewMs?: number;
}

export type ReportFile =
  | { kind: 'report'; report: JsonReport }
  | { kind: 'missing' }
  /** Valid JSON, but not an mlcheck run report (a run directory's case files and run.json). */
  | { kind: 'not-a-report'; problem: string }
  /** Why the file cannot count, never quoting its bytes; claimedHost when the report parsed far enough to name one. */
  | { kind: 'refused'; problem: string; claimedHost: string | null };

/**
 * Reads one mlcheck JSON report as untrusted input: another node, or any user who can write the
 * shared folder, may have put anything at that path. Only a regular file below REPORT_MAX_BYTES
 * is read (readUntrustedFile: no link followed, a FIFO never waited on); it must be UTF-8 JSON
 * nested at most REPORT_MAX_NESTING deep, match the report schema, hold its summary, subjects,
 * host and job as mlcheck writes them, and must not claim to have started (or ended) in the future. Whatever is wrong is returned as a problem, never thrown, so
 * that one bad report cannot stop the others from being judged; a problem never quotes the
 * file's bytes (a report linked or hard-linked to /etc/shadow must not print it), except the
 * sanitised values a schema problem names in a file that is valid JSON.
 */
export function readReportFile(file: string, options: ReadReportFileOptions = {}): ReportFile {
  const read = readUntrustedFile(file, { maxBytes: options.maxBytes ?? REPORT_MAX_BYTES });
  if (read.kind !== 'read') return read.kind === 'missing' ? read : { ...read, claimedHost: null };
  const refused = (problem: string, claimedHost: string | null = null): ReportFile => ({ kind: 'refused', problem, claimedHost });

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
  } catch {
    return refused('is not UTF-8 text');
  }
  if (jsonNestingDepth(text) > REPORT_MAX_NESTING) return refused(`nests more than ${REPORT_MAX_NESTING} levels deep`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // The parser's message quotes the text: it is not passed on.
    return refused('is not JSON');
  }
  const kind = typeof document === 'object' && document !== null && !Array.isArray(document) ? (document as { kind?: unknown }).kind : undefined;
  if (kind !== REPORT_KIND) return { kind: 'not-a-report', problem: `is not an mlcheck run report (no "kind": "${REPORT_KIND}")` };

  const claimedHost = hostOf(document);
  const result = validateReport(document, { firstOnly: true });
  if (!result.valid) {
    return refused(`does not match the mlcheck report schema: ${sanitizeText(result.errors.slice(0, 2).join('; '), { oneLine: true, maxLength: PROBLEM_MAX_LENGTH })}`, claimedHost);
  }
  const unlike = unlikeMlcheck(result.report);
  if (unlike !== null) return refused(unlike, claimedHost);
  const { startedAt, endedAt } = result.report.session;
  const latest = (options.now ?? new Date()).getTime() + (options.clockSkewMs ?? CLOCK_SKEW_ALLOWANCE_MS);
  for (const [what, stamp] of [['started', startedAt], ['ended', endedAt]] as const) {
    if (stamp === null) continue;
    const time = Date.parse(stamp);
    if (Number.isNaN(time)) return refused(`says it ${what} at ${stamp}, which is not a time`, claimedHost);
    if (time > latest) return refused(`says it ${what} at ${stamp}, in the future (more than ${Math.round((options.clockSkewMs ?? CLOCK_SKEW_ALLOWANCE_MS) / 60000)} min ahead of this host's clock)`, claimedHost);
  }
  return { kind: 'report', report: result.report };
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const NAME_MAX_LENGTH = 255;

/**
 * What the sweep acts on and compare keys by, held to what mlcheck itself writes: the summary is
 * the console's verdict line (one line of at most VERDICT_MAX_LENGTH characters, sanitised), the
 * subjects, host and job are short names. Text that no mlcheck wrote (a NUL or escape codes in the
 * summary, a host of a megabyte) is not a report to act on.
 */
function unlikeMlcheck(report: JsonReport): string | null {
  const outcome = report.outcome;
  if (outcome !== undefined && (outcome.summary.length > VERDICT_MAX_LENGTH || CONTROL.test(outcome.summary))) {
    return `has an outcome.summary that is not one line of at most ${VERDICT_MAX_LENGTH} characters without control characters, as mlcheck writes it`;
  }
  const names: [string, string | null | undefined][] = [
    ['session.host', report.session.host],
    ['session.slurm.jobId', report.session.slurm?.jobId],
    ['session.slurm.node', report.session.slurm?.node],
    ...(outcome?.subjects ?? []).map((subject, i): [string, string] => [`outcome.subjects[${i}]`, subject]),
  ];
  for (const [key, value] of names) {
    if (typeof value === 'string' && (value.length > NAME_MAX_LENGTH || CONTROL.test(value))) return `has a ${key} that is not a name of at most ${NAME_MAX_LENGTH} characters without control characters`;
  }
  return null;
}

function hostOf(document: unknown): string | null {
  const session = (document as { session?: unknown }).session;
  const host = typeof session === 'object' && session !== null ? (session as { host?: unknown }).host : undefined;
  return typeof host === 'string' ? host : null;
}
