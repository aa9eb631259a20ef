import type { Verdict } from '../probe/index.js';
import type { CaseResult } from '../references/results.js';
import { nodeVerdicts, type DecidedRun } from '../references/run-outcome.js';
import { countOutcomes } from './counts.js';
import { describeMetric } from './format.js';
import { probeVerdicts } from './probe-view.js';
import { escapeXml } from './xml-escape.js';

/**
 * JUnit XML as CI dashboards read it: one <testcase> per node verdict that decides the node
 * (gpu-driver, gpu-count, installed packages) and one per case; fail -> <failure>, error ->
 * <error>, skip -> <skipped> (a <failure> when the run was decided under --strict, as it failed
 * the run); warn stays a passing test with its reason in <system-out> (the runner already turns
 * warn into fail under --strict). Metrics are <properties>.
 */
export function renderJunit(record: DecidedRun): string {
  const { session } = record;
  const strict = record.decision.strict;
  const cases = strict ? record.cases.map(skipFailsUnderStrict) : record.cases;
  const verdicts = nodeVerdicts(record);
  const counts = countOutcomes([...cases, ...verdicts.map(verdictOutcome)]);
  const seconds = totalSeconds(cases);
  const attrs = (values: Record<string, string | number>): string =>
    Object.entries(values)
      .map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`)
      .join('');
  const suiteCounts = { tests: cases.length + verdicts.length, failures: counts.fail, errors: counts.error, skipped: counts.skip, time: seconds.toFixed(3) };
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: 'mlcheck', ...suiteCounts })}>`];
  lines.push(`  <testsuite${attrs({ name: `mlcheck.${session.profile}`, id: session.id, hostname: session.host, timestamp: junitTimestamp(session.startedAt), ...suiteCounts })}>`);
  lines.push('    <properties>');
  const sessionProperties: [string, string][] = [
    ['mlcheck.version', session.mlcheckVersion],
    ['mlcheck.session', session.id],
    ['mlcheck.user', session.user],
    ['mlcheck.profile', session.profile],
    ['mlcheck.command_line', session.commandLine.join(' ')],
    ['mlcheck.interrupted', String(session.interrupted)],
    ...probeVerdicts(session.probe).map((v): [string, string] => [`probe.${v.subject}`, v.reason ? `${v.status}: ${v.reason}` : v.status]),
  ];
  for (const [name, value] of sessionProperties) lines.push(`      <property${attrs({ name, value })}/>`);
  lines.push('    </properties>');
  for (const verdict of verdicts) lines.push(...verdictTestcase(verdict, attrs));
  for (const c of cases) lines.push(...testcase(c, attrs));
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}

/**
 * The JUnit XSD's timestamp is an xs:dateTime restricted to `YYYY-MM-DDTHH:MM:SS`: no fraction and
 * no zone, which dashboards read as local time. So: the local time of the run's start, to the second.
 */
export function junitTimestamp(iso: string): string {
  const date = new Date(iso);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${String(date.getFullYear()).padStart(4, '0')}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

function testcase(c: CaseResult, attrs: (values: Record<string, string | number>) => string): string[] {
  const lines = [`    <testcase${attrs({ classname: `mlcheck.${c.workload}.${c.engine}`, name: c.id, time: c.timings.wallSeconds.toFixed(3) })}>`];
  const properties: [string, string][] = [
    ['outcome', c.outcome],
    ['backend', c.backend],
    ['device', c.device],
    ['seed', String(c.seed)],
    ...Object.entries(c.versions).map(([name, version]): [string, string] => [`version.${name}`, version]),
    ...Object.entries(c.metrics).map(([name, metric]): [string, string] => [`metric.${name}`, `${describeMetric(metric)} ${metric.verdict}`]),
  ];
  lines.push('      <properties>');
  for (const [name, value] of properties) lines.push(`        <property${attrs({ name, value })}/>`);
  lines.push('      </properties>');
  const message = c.reason ?? c.outcome;
  const body = [c.reason ?? '', ...(c.crash ? [`exit code: ${c.crash.exitCode ?? '-'}, signal: ${c.crash.signal ?? '-'}`, ...c.crash.stderrTail] : [])].join('\n');
  const type = c.failPhase ?? c.outcome;
  if (c.outcome === 'fail') lines.push(`      <failure${attrs({ message, type })}>${escapeXml(body)}</failure>`);
  if (c.outcome === 'error') lines.push(`      <error${attrs({ message, type })}>${escapeXml(body)}</error>`);
  if (c.outcome === 'skip') lines.push(`      <skipped${attrs({ message })}/>`);
  const out = [...(c.outcome === 'warn' && c.reason ? [`WARN: ${c.reason}`] : []), ...c.lines];
  if (out.length) lines.push(`      <system-out>${escapeXml(out.join('\n'))}</system-out>`);
  lines.push('    </testcase>');
  return lines;
}

function skipFailsUnderStrict(c: CaseResult): CaseResult {
  return c.outcome === 'skip' ? { ...c, outcome: 'fail', failPhase: c.failPhase ?? 'setup', reason: `skipped under --strict: ${c.reason ?? ''}` } : c;
}

function verdictOutcome(verdict: Verdict): Pick<CaseResult, 'outcome'> {
  return { outcome: verdict.status === 'fail' ? 'fail' : verdict.status === 'skip' ? 'skip' : 'pass' };
}

function verdictTestcase(verdict: Verdict, attrs: (values: Record<string, string | number>) => string): string[] {
  const lines = [`    <testcase${attrs({ classname: `mlcheck.node.${verdict.kind}`, name: verdict.subject, time: '0.000' })}>`];
  const body = [verdict.reason, ...(verdict.fix !== null ? [`fix: ${verdict.fix}`] : [])].join('\n');
  if (verdict.status === 'fail') lines.push(`      <failure${attrs({ message: verdict.reason, type: 'node-verdict' })}>${escapeXml(body)}</failure>`);
  else if (verdict.status === 'skip') lines.push(`      <skipped${attrs({ message: verdict.reason })}/>`);
  else lines.push(`      <system-out>${escapeXml(`${verdict.status.toUpperCase()}: ${body}`)}</system-out>`);
  lines.push('    </testcase>');
  return lines;
}

function totalSeconds(cases: readonly CaseResult[]): number {
  return cases.reduce((sum, c) => sum + (Number.isFinite(c.timings.wallSeconds) ? c.timings.wallSeconds : 0), 0);
}
