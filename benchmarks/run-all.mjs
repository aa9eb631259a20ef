#!/usr/bin/env node
// `npm run bench`: runs every benchmark in benchmarks/list.mjs, one after the other (they share
// the machine), and prints where each result went. Needs `npx tsc -p .` first.
//
//   node benchmarks/run-all.mjs [--smoke] [--only name,name] [--results DIR]
//
// --smoke: a few iterations each, the timings meaningless: what the test suite runs so that a
// refactor that breaks a benchmark fails CI. Results default to benchmarks/results/<time>/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCHMARKS, benchmarksDir } from './list.mjs';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, only: { type: 'string' }, results: { type: 'string' } } });
const only = values.only?.split(',');
for (const name of only ?? []) {
  if (!BENCHMARKS.some((b) => b.name === name)) throw new Error(`--only: no benchmark "${name}" (one of ${BENCHMARKS.map((b) => b.name).join(', ')})`);
}
const resultsDir = path.resolve(values.results ?? path.join(benchmarksDir, 'results', new Date().toISOString().replace(/[:.]/g, '-')));
mkdirSync(resultsDir, { recursive: true });

const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`benchmarks${values.smoke ? ' (smoke: a few iterations, timings meaningless)' : ''} on ${cpu} x${os.availableParallelism()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

let failed = 0;
for (const benchmark of BENCHMARKS.filter((b) => !only || only.includes(b.name))) {
  const result = path.join(resultsDir, `${benchmark.name}.${benchmark.format}`);
  const { args, env, stdoutIsResult } = benchmark.command(result, values.smoke);
  console.log(`\n${benchmark.name}: ${benchmark.description}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, args, {
    cwd: path.join(benchmarksDir, '..'),
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', stdoutIsResult ? 'pipe' : 'inherit', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (stdoutIsResult && run.stdout) writeFileSync(result, run.stdout);
  if (run.status === 0) {
    console.log(`${benchmark.name}: done in ${seconds} s, result in ${result}`);
  } else {
    failed += 1;
    console.log(`${benchmark.name}: FAILED (exit ${run.status ?? run.signal}) after ${seconds} s${stdoutIsResult ? `; its output is in ${result}` : ''}`);
  }
}
console.log(`\n${failed === 0 ? 'all benchmarks ran' : `${failed} benchmark(s) failed`}; results in ${resultsDir}`);
process.exitCode = failed === 0 ? 0 : 1;
