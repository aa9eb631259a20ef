#!/usr/bin/env node
// Where the time of `mlcheck run --profile smoke` goes, against issue 10's goal of at most 3 s
// wall for the whole process on a 2-core CPU node. Plain timed script, never a test: the machine
// is shared, so the load average and CPU model are printed beside the times. Needs `npx tsc -p .`.
//
//   node benchmarks/smoke-wall-time.mjs [--runs 5] [--goal 3] [-- extra mlcheck run options]
//
// Per run: the whole process (spawn to exit), then its parts from the JSON report: process start,
// CLI load and probe (spawn to the run's start), per case the case process's start-up and
// teardown, the engine's set-up and the workload's own work, and writing the reports.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repoRoot, 'bin', 'mlcheck.js');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const own = dash >= 0 ? argv.slice(0, dash) : argv;
const option = (name, fallback) => {
  const at = own.indexOf(name);
  return at >= 0 ? Number(own[at + 1]) : fallback;
};
const runs = option('--runs', 5);
const goal = option('--goal', 3);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m) ?? [])[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function timeNode(args) {
  const start = performance.now();
  spawnSync(process.execPath, args, { stdio: 'ignore' });
  return (performance.now() - start) / 1000;
}

const rows = [];
for (let run = 1; run <= runs; run++) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-smoke-bench-'));
  const loadBefore = load();
  const started = Date.now();
  const t0 = performance.now();
  const result = spawnSync(process.execPath, [cli, 'run', '--profile', 'smoke', '--out', out, ...extra], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
  const row = { run, exit: result.status, wall, load: loadBefore, startAndProbe: (Date.parse(report.session.startedAt) - started) / 1000, cases: {} };
  row.casesPhase = (Date.parse(report.session.endedAt) - Date.parse(report.session.startedAt)) / 1000;
  row.reports = wall - row.startAndProbe - row.casesPhase;
  for (const c of report.cases) {
    const t = c.timings;
    row.cases[c.id] = { wall: t.wallSeconds, setup: t.setupSeconds ?? 0, work: t.runSeconds ?? 0, processOverhead: t.wallSeconds - (t.setupSeconds ?? 0) - (t.runSeconds ?? 0), outcome: c.outcome };
  }
  rows.push(row);
  rmSync(out, { recursive: true, force: true });
}

const bareNode = median(Array.from({ length: 5 }, () => timeNode(['-e', ''])));
const cliVersion = median(Array.from({ length: 5 }, () => timeNode([cli, '--version'])));
console.log(`mlcheck run --profile smoke ${extra.join(' ')}: ${runs} runs on ${cpu}, ${os.availableParallelism()} CPUs`);
console.log(`load average before each run: ${rows.map((r) => r.load.split(' ')[0]).join(', ')}`);
console.log(`reference: bare node start ${bareNode.toFixed(3)} s, mlcheck --version ${cliVersion.toFixed(3)} s (medians of 5)`);
console.log('');
console.log(`whole process          median ${median(rows.map((r) => r.wall)).toFixed(3)} s  (min ${Math.min(...rows.map((r) => r.wall)).toFixed(3)}, max ${Math.max(...rows.map((r) => r.wall)).toFixed(3)}; goal ${goal} s)`);
console.log(`  start + CLI + probe  median ${median(rows.map((r) => r.startAndProbe)).toFixed(3)} s`);
// The profile may run its cases at once (concurrentCases), so the cases' phase is less than their sum.
console.log(`  cases                median ${median(rows.map((r) => r.casesPhase)).toFixed(3)} s, of which:`);
for (const id of Object.keys(rows[0].cases)) {
  const part = (key) => median(rows.map((r) => r.cases[id]?.[key] ?? 0)).toFixed(3);
  console.log(`    ${id.padEnd(18)} median ${part('wall')} s = case process start/teardown ${part('processOverhead')} + engine set-up ${part('setup')} + work ${part('work')}  (${rows.map((r) => r.cases[id]?.outcome).join(', ')})`);
}
console.log(`  reports + exit       median ${median(rows.map((r) => r.reports)).toFixed(3)} s`);
console.log(`exit codes: ${rows.map((r) => r.exit).join(', ')}`);
