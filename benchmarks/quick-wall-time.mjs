#!/usr/bin/env node
// Wall time of `mlcheck run --profile quick` (all five workloads), against issue 8's goal of at
// most 60 s on a 2-core CPU node. Plain timed script, never a test: the machine is shared, so it
// prints the load average and CPU model beside every time. Needs `npx tsc -p .` first.
//
//   node benchmarks/quick-wall-time.mjs [--data-dir ../shared/data] [--model FILE.onnx] [--runs 1]
//        [--goal 60] [--json FILE] [-- extra mlcheck run options]
//
// --model defaults to the MobileNetV2 classifier in <data-dir>/imagenet. Each run writes its report
// to a fresh temporary --out; per-case wall times come from that report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const options = { dataDir: path.resolve(repoRoot, '../shared/data'), model: null, runs: 1, goal: 60, json: null, extra: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      options.extra = argv.slice(i + 1);
      break;
    }
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--data-dir': options.dataDir = path.resolve(value()); break;
      case '--model': options.model = path.resolve(value()); break;
      case '--runs': options.runs = Number(value()); break;
      case '--goal': options.goal = Number(value()); break;
      case '--json': options.json = path.resolve(value()); break;
      default: throw new Error(`unknown option ${argv[i]} (see the header of ${path.basename(fileURLToPath(import.meta.url))})`);
    }
  }
  options.model ??= defaultModel(options.dataDir);
  return options;
}

function defaultModel(dataDir) {
  const dir = path.join(dataDir, 'imagenet');
  const onnx = readdirSync(dir).filter((f) => /^mobilenet.*\.onnx$/i.test(f));
  if (onnx.length === 0) throw new Error(`no MobileNet .onnx in ${dir}; give --model`);
  return path.join(dir, onnx[0]);
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).join(' ');
const cpuModel = () => /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';

function runOnce(options) {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-quick-wall-'));
  const args = [path.join(repoRoot, 'bin', 'mlcheck.js'), 'run', '--profile', 'quick', '--data-dir', options.dataDir, '--model', options.model, '--out', outDir, ...options.extra];
  const loadBefore = loadavg();
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallSeconds = (performance.now() - started) / 1000;
  const loadAfter = loadavg();
  try {
    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    const cases = report.cases.map((c) => ({
      id: c.id ?? `${c.workload}/${c.engine}/${c.backend}`,
      outcome: c.outcome,
      wallSeconds: c.timings?.wallSeconds ?? null,
      setupSeconds: c.timings?.setupSeconds ?? null,
      steps: c.metrics?.steps?.value ?? null,
      msPerStep: c.metrics?.ms_per_step_median?.value ?? null,
    }));
    return { exitCode: run.status, wallSeconds, loadBefore, loadAfter, cases };
  } catch (error) {
    return { exitCode: run.status, wallSeconds, loadBefore, loadAfter, cases: [], error: `no report (${error.message}); stderr: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const cpu = `${cpuModel()} (${os.availableParallelism()} CPUs)`;
  const runs = [];
  for (let i = 0; i < options.runs; i++) {
    const result = runOnce(options);
    runs.push(result);
    console.log(`\nquick run ${i + 1}/${options.runs}: ${result.wallSeconds.toFixed(1)} s wall (goal ${options.goal} s: ${result.wallSeconds <= options.goal ? 'met' : 'MISSED'}), exit ${result.exitCode}`);
    console.log(`  ${cpu}; load average (1, 5, 15 min) before ${result.loadBefore}, after ${result.loadAfter}`);
    if (result.error) console.log(`  ${result.error}`);
    for (const c of result.cases) {
      const training = c.msPerStep === null ? '' : `  (${c.steps} steps, median ${c.msPerStep.toFixed(1)} ms/step; engine setup ${c.setupSeconds?.toFixed(2) ?? '-'} s)`;
      console.log(`  ${c.id.padEnd(26)} ${c.outcome.padEnd(5)} ${c.wallSeconds === null ? '-' : `${c.wallSeconds.toFixed(2)} s`}${training}`);
    }
    const caseTotal = result.cases.reduce((sum, c) => sum + (c.wallSeconds ?? 0), 0);
    console.log(`  ${'sum of cases'.padEnd(26)}       ${caseTotal.toFixed(2)} s (the rest is start-up, probe and reports)`);
  }
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ date: new Date().toISOString(), host: os.hostname(), cpu, model: options.model, runs }, null, 2)}\n`);
}

main();
