#!/usr/bin/env node
// mlcheck's own overhead: one workload through `mlcheck run` (CLI, probe, planning, the case's
// own process under the watchdog, judging, reports) against the same workload function called
// in one plain process (engine opened, workload run, nothing else). Both are timed as whole
// processes, spawn to exit, alternating, so they share the machine's load. Goal: at most 2 %.
// Plain timed script, never a test; needs `npx tsc -p .`. The load average and CPU model are
// printed beside the times: quote a ratio only from an idle machine.
//
//   node benchmarks/mlcheck-overhead.mjs [--workload lenet] [--profile quick] [--engine tfjs]
//        [--backend wasm] [--runs 3] [--data-dir DIR] [--json FILE] [--smoke]
//
// --smoke: hello on the smoke profile, once (the test suite's check that the script still runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (relative) => pathToFileURL(path.join(repoRoot, 'dist', relative)).href;
const { values } = parseArgs({
  options: {
    workload: { type: 'string' },
    profile: { type: 'string' },
    engine: { type: 'string', default: 'tfjs' },
    backend: { type: 'string' },
    runs: { type: 'string' },
    'data-dir': { type: 'string', default: path.resolve(repoRoot, '..', 'shared', 'data') },
    json: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    'in-process': { type: 'string' },
  },
});

/** Child mode: the workload function alone, as a program that wanted only its answer would call it. */
async function inProcess(job) {
  const { loadEngine } = await import(dist('engines/index.js'));
  const { createDataAccess } = await import(dist('datasets/index.js'));
  const { findWorkload } = await import(dist('workloads/index.js'));
  const workload = findWorkload(job.workload);
  const session = await (await loadEngine(job.engine)).open({ backend: job.backend, threads: job.threads });
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-overhead-'));
  try {
    const output = await workload.engines[job.engine](session, {
      profile: job.profile,
      seed: 1,
      params: job.params,
      data: createDataAccess({ dataDir: job.dataDir, download: false }),
      outDir,
      signal: new AbortController().signal,
      progress: () => undefined,
      ...(job.expectedLabels && { expectedLabels: job.expectedLabels }),
    });
    process.stdout.write(`${JSON.stringify({ metrics: Object.keys(output.metrics).length })}\n`);
  } finally {
    await session.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

if (values['in-process'] !== undefined) {
  await inProcess(JSON.parse(values['in-process']));
  process.exit(0); // a wasm thread pool would otherwise keep the process alive
}

const smoke = values.smoke;
const workloadId = values.workload ?? (smoke ? 'hello' : 'lenet');
const profile = values.profile ?? (smoke ? 'smoke' : 'quick');
const backend = values.backend ?? (values.engine === 'onnx' ? 'cpu' : 'wasm');
const runs = Number(values.runs ?? (smoke ? 1 : 3));
const dataDir = path.resolve(values['data-dir']);

// The same parameters, threads and expected labels the runner's plan gives the case.
const { findWorkload } = await import(dist('workloads/index.js'));
const { loadProfiles, workloadProfile } = await import(dist('references/profiles.js'));
const { loadExpectedLabels } = await import(dist('references/expected-labels.js'));
const workload = findWorkload(workloadId);
if (!workload) throw new Error(`unknown workload ${workloadId}`);
const job = {
  workload: workloadId,
  engine: values.engine,
  backend,
  profile,
  dataDir,
  threads: Math.min(os.availableParallelism(), workload.maxThreads ?? Infinity),
  params: { ...workload.defaults, ...workloadProfile(loadProfiles(), profile, workloadId).params },
  ...(workload.needsExpectedLabels && { expectedLabels: loadExpectedLabels(profile) }),
};

function timed(args) {
  const start = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`${args.slice(0, 3).join(' ')} ... exited ${run.status}: ${(run.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return seconds;
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const loadBefore = os.loadavg();
const rows = [];
for (let i = 0; i < runs; i++) {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-overhead-run-'));
  const viaRun = timed([path.join(repoRoot, 'bin', 'mlcheck.js'), 'run', workloadId, '--engine', values.engine, '--backend', backend, '--profile', profile, '--data-dir', dataDir, '--threads', String(job.threads), '--out', outDir]);
  const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
  rmSync(outDir, { recursive: true, force: true });
  const direct = timed([fileURLToPath(import.meta.url), '--in-process', JSON.stringify(job)]);
  rows.push({ viaRun, direct, overhead: (viaRun - direct) / direct, outcome: report.cases[0]?.outcome });
  process.stderr.write(`run ${i + 1}/${runs}: mlcheck run ${viaRun.toFixed(2)} s, in one process ${direct.toFixed(2)} s (${report.cases[0]?.outcome})\n`);
}
const loadAfter = os.loadavg();

const result = {
  date: new Date().toISOString(),
  cpu: os.cpus()[0]?.model.trim(),
  cpus: os.availableParallelism(),
  loadavg: { before: loadBefore, after: loadAfter },
  case: `${workloadId}/${values.engine}/${backend}`,
  profile,
  threads: job.threads,
  runs: rows,
  median: { viaRunSeconds: median(rows.map((r) => r.viaRun)), directSeconds: median(rows.map((r) => r.direct)), overhead: median(rows.map((r) => r.overhead)) },
  goal: 0.02,
};
console.log(`${result.case}, profile ${profile}, ${job.threads} threads, ${runs} runs each, alternating; ${result.cpu} x${result.cpus}`);
console.log(`load average (1, 5, 15 min) before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
console.log(`mlcheck run:            median ${result.median.viaRunSeconds.toFixed(2)} s`);
console.log(`workload in one process: median ${result.median.directSeconds.toFixed(2)} s`);
console.log(`mlcheck's overhead:     median ${(result.median.overhead * 100).toFixed(1)} % (goal: at most ${result.goal * 100} %)`);
if (values.json) writeFileSync(path.resolve(values.json), `${JSON.stringify(result, null, 2)}\n`);
