import type { CaseAttempt, CaseResult, Outcome } from '../references/results.js';
import type { DecidedRun } from '../references/run-outcome.js';
import { countOutcomes } from './counts.js';
import { formatValue } from '../util/format-number.js';
import { sanitizeText } from '../util/sanitize-text.js';
import { describeMetric } from './format.js';
import { probeVerdicts } from './probe-view.js';

export interface ConsoleOptions {
  /** ANSI colours; the CLI asks for them only when stdout is a terminal. */
  color?: boolean;
  /** Also print the lines each workload prints as the manual does. */
  showLines?: boolean;
}

/** Slurm keeps a drain reason on one line; longer ones are unreadable in `sinfo -R`. */
export const VERDICT_MAX_LENGTH = 200;

const COLOURS: Record<Outcome | 'dim', string> = { pass: '32', warn: '33', fail: '31', error: '35', skip: '36', dim: '2' };

/** A line a workload, a kit or a Jupyter kernel printed is shown up to this long. */
const SHOWN_LINE_MAX_LENGTH = 2000;

/**
 * Text a case process, a kit, a kernel or the probe's sources produced (reasons, devices, metric
 * names, printed lines): sanitised onto one line before it is laid out or painted, so that no
 * escape sequence or line break in it reaches the terminal.
 */
function safe(text: string, maxLength = SHOWN_LINE_MAX_LENGTH): string {
  return sanitizeText(text, { oneLine: true, maxLength });
}

/** A compact table of the cases, then ONE closing line fit for a Slurm drain reason (the run's stored decision). */
export function renderConsole(record: DecidedRun, options: ConsoleOptions = {}): string {
  const paint = (code: keyof typeof COLOURS, text: string): string => (options.color ? `\u001b[${COLOURS[code]}m${text}\u001b[0m` : text);
  const rows = record.cases.map((c) => ({
    c,
    cells: [safe(c.id, 200), outcomeCell(c), safe(c.device, 200), `${formatValue(c.timings.wallSeconds)} s`],
  }));
  const header = ['CASE', 'OUTCOME', 'DEVICE', 'TIME'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
  const pad = (cells: string[]): string[] => cells.map((cell, i) => cell.padEnd(widths[i]!));
  const lines: string[] = [];
  const verdicts = probeVerdicts(record.session.probe);
  if (verdicts.length) {
    // Verdicts that decide the node get a line each (and their fix); rule families are advice.
    const deciding = verdicts.filter((v) => v.appliesToNode === true);
    const advice = verdicts.filter((v) => v.appliesToNode !== true && v.status !== 'pass');
    // With the GPU health checks a node has a dozen deciding verdicts: those that pass are counted, not listed.
    const passing = deciding.filter((v) => v.status === 'pass').length;
    const others = deciding.filter((v) => v.status !== 'pass').map((v) => safe(`${v.subject} ${v.status}`));
    if (deciding.length > 0) lines.push(`node: ${[...others, ...(passing > 0 ? [others.length === 0 ? `all ${passing} verdicts pass` : `${passing} more pass`] : [])].join(', ')}`);
    for (const v of deciding.filter((d) => d.status === 'fail' || d.status === 'warn')) {
      const status = v.status.toUpperCase();
      lines.push(`  ${safe(v.subject)} ${v.status === 'fail' ? paint('fail', safe(status)) : safe(status)}${v.reason ? `: ${safe(v.reason)}` : ''}`);
      if (v.fix && v.status === 'fail') lines.push(paint('dim', `    fix: ${safe(v.fix)}`));
    }
    if (advice.length > 0) lines.push(paint('dim', safe(`advice: ${advice.map((v) => `${v.subject} ${v.status}${v.reason ? ` (${v.reason})` : ''}`).join('; ')}`)));
  }
  const decision = record.decision;
  // The verdict line has room for one unread source; each is named here with its fix.
  if (decision.cause.kind === 'unread-health') {
    for (const unread of decision.cause.sources) {
      lines.push(safe(`GPU health not read (${unread.source}): ${unread.problem}`));
      lines.push(paint('dim', `    fix: ${safe(unread.fix)}`));
    }
  }
  lines.push([...pad(header), 'METRICS'].join('  ').trimEnd());
  for (const { c, cells } of rows) {
    const padded = pad(cells);
    padded[1] = paint(c.outcome, padded[1]!);
    const metrics = Object.entries(c.metrics).map(([name, m]) => {
      const text = safe(`${name} ${describeMetric(m)}`);
      return m.verdict === 'fail' ? paint('fail', `${text} FAIL`) : m.verdict === 'warn' ? paint('warn', `${text} WARN`) : text;
    });
    lines.push([...padded, metrics.join(', ')].join('  ').trimEnd());
    if (c.reason && c.outcome !== 'pass') {
      const indent = ' '.repeat(widths[0]! + 2);
      lines.push(paint('dim', `${indent}${c.failPhase ? `[${c.failPhase}] ` : ''}${firstLine(c.reason)}`));
      // The operator's next step: the fixes a skip or failure names (e.g. the staging command).
      for (const fix of c.reason.split('\n').filter((line) => /^\s*fix:/.test(line))) lines.push(paint('dim', `${indent}  ${safe(fix.trim())}`));
    }
    // A case run once more (a crash or hang must repeat to fail a node): what each attempt gave.
    if (c.attempts !== undefined && c.attempts.length > 1) lines.push(paint('dim', `${' '.repeat(widths[0]! + 2)}attempts: ${c.attempts.map(describeAttempt).join('; ')}`));
    if (c.jupyter) lines.push(paint('dim', `${' '.repeat(widths[0]! + 2)}${safe(describeKernel(c.jupyter))}`));
    if (options.showLines) for (const line of c.lines) lines.push(`${' '.repeat(widths[0]! + 2)}${safe(line)}`);
  }
  const verdict = verdictLine(record);
  const outcome = verdict.split(' ')[1];
  const colourOf: Record<string, keyof typeof COLOURS> = { PASS: 'pass', WARN: 'warn', FAIL: 'fail', UNDECIDED: 'error' };
  lines.push(paint(colourOf[outcome ?? ''] ?? 'dim', verdict));
  return `${lines.join('\n')}\n`;
}

/**
 * The run's verdict in one line, e.g. `mlcheck: FAIL gpu-driver: 2 NVIDIA GPUs on PCI ...`,
 * `mlcheck: FAIL lenet/tfjs test error 3.10% > 1%` or `mlcheck: PASS 4 cases (1 skipped)`. Its
 * first word after `mlcheck:` matches the exit code: FAIL 1, UNDECIDED 3, PASS and WARN 0.
 */
export function verdictLine(record: DecidedRun): string {
  const cases = record.cases;
  const counts = countOutcomes(cases);
  const outcome = record.decision;
  const word = outcome.status === 'undecided' ? 'UNDECIDED' : outcome.status.toUpperCase();
  const cause = outcome.cause;
  switch (cause.kind) {
    case 'node-verdict':
      return oneLine(`mlcheck: ${word} ${cause.verdict.subject}: ${cause.verdict.reason}`);
    case 'unread-health': {
      const [first, ...others] = cause.sources;
      const more = others.length > 0 ? ` (${others.map((s) => s.source).join(', ')} not read either)` : '';
      // The fix must survive: the problem is what gets shortened.
      return fitLine(`mlcheck: ${word} GPU health not read: `, first?.problem ?? 'unknown', `; fix: ${first?.fix ?? ''}${more}`);
    }
    case 'cases': {
      const first = cause.cases[0]!;
      const more = cause.cases.length > 1 ? ` (+${cause.cases.length - 1} more)` : '';
      return oneLine(`mlcheck: ${word} ${first.workload}/${first.engine} ${humanizeReason(first) || cause.why}${more}`);
    }
    case 'interrupted':
      return oneLine(`mlcheck: ${word} run interrupted after ${counts.pass + counts.warn + counts.skip} of ${cases.length} cases`);
    case 'nothing-ran':
      return oneLine(`mlcheck: ${word} no case ran: ${cause.skipped ? humanizeReason(cause.skipped) : 'nothing planned'}`);
    case 'passed': {
      const extras = [counts.warn && `${counts.warn} warn`, counts.skip && `${counts.skip} skipped`, counts.error && `${counts.error} undecided`].filter(Boolean);
      return oneLine(`mlcheck: ${word} ${cases.length} case${cases.length === 1 ? '' : 's'}${extras.length ? ` (${extras.join(', ')})` : ''}`);
    }
  }
}

/** "FAIL", or "PASS (2 attempts)" for a case the runner ran more than once. */
function outcomeCell(c: CaseResult): string {
  const outcome = c.outcome.toUpperCase();
  return c.attempts === undefined ? outcome : `${outcome} (${c.attempts.length} attempt${c.attempts.length === 1 ? '' : 's'})`;
}

function describeAttempt(attempt: CaseAttempt, index: number): string {
  return `${index + 1} ${attempt.outcome.toUpperCase()}${attempt.failPhase ? ` [${attempt.failPhase}]` : ''}${attempt.reason && attempt.outcome !== 'pass' ? ` ${firstLine(attempt.reason)}` : ''}`;
}

/** The reason's first line, with metric names written as words ("test_error_pct" -> "test error"). */
function humanizeReason(c: CaseResult): string {
  let text = firstLine(c.reason ?? '');
  for (const name of Object.keys(c.metrics).sort((a, b) => b.length - a.length)) {
    text = text.split(name).join(name.replace(/_pct$/, '').replace(/_/g, ' '));
  }
  return text;
}

function firstLine(text: string): string {
  return safe(text.split('\n')[0]!.trim());
}

/** prefix + middle + suffix on one line of at most VERDICT_MAX_LENGTH, shortening the middle first. */
function fitLine(prefix: string, middle: string, suffix: string): string {
  const flat = (text: string): string => text.replace(/\s+/g, ' ');
  const room = VERDICT_MAX_LENGTH - flat(prefix).length - flat(suffix).trimEnd().length;
  const body = flat(middle).trim();
  if (room < 20) return oneLine(prefix + body + suffix);
  return oneLine(`${flat(prefix)}${body.length <= room ? body : `${body.slice(0, room - 3)}...`}${flat(suffix)}`);
}

/** The verdict line also becomes a drain reason and the report's outcome.summary: sanitised, one line, capped. */
function oneLine(text: string): string {
  return sanitizeText(text.replace(/\s+/g, ' ').trim(), { oneLine: true, maxLength: VERDICT_MAX_LENGTH });
}

/** e.g. "via jupyter: kernel python3 on http://127.0.0.1:8888/, started in 1.48 s, first execute 0.012 s, Slurm job 7 on node02". */
function describeKernel(k: NonNullable<CaseResult['jupyter']>): string {
  const latencies = k.startSeconds === null ? 'no latencies (mlcheck could not open its framework in the kernel)' : `started in ${formatValue(k.startSeconds)} s, first execute ${formatValue(k.firstExecuteSeconds ?? Number.NaN)} s`;
  const where = k.slurm ? `, Slurm job ${k.slurm.jobId}${k.slurm.node ? ` on ${k.slurm.node}` : ''}` : k.host ? `, on ${k.host}` : '';
  return `via jupyter: kernel ${k.kernel} on ${k.server}, ${latencies}${where}`;
}
