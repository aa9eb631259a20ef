#!/usr/bin/env node
// The python engine against the bare PyTorch peer (docs/design.md §6), in one run: LeNet (batch 64)
// and VAE (batch 128) training step times, and start-up (the interpreter, `import torch`, the
// engine opening PyTorch, module loading). Goal: the engine's step time within 1.03x of the peer's.
// Needs `npx tsc -p .` first and Debian's python3-torch + libopenblas0-pthread (environment-modules
// for the module-loading row).
//
//   node benchmarks/python-vs-pytorch.mjs [--data-dir DIR] [--lenet-steps 200] [--vae-steps 400]
//        [--rounds 3] [--startup-runs 5] [--threads N] [--json FILE] [--smoke]
//
// Peer and engine run alternately, --rounds times each, so that a machine whose load drifts
// slows both alike; the table gives the median of the per-round medians. Both run with /usr/bin/python3
// and with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from their environment (only theirs):
// the build machine sets them and they hold OpenBLAS to its Haswell kernels. Quote a ratio only
// from an idle machine (load average below 0.5), with the CPU model beside it (docs/design.md §6).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const peerScript = path.resolve(repoRoot, '../shared/peers/pytorch_reference.py');
const python = '/usr/bin/python3';
const dist = (p) => pathToFileURL(path.join(repoRoot, 'dist', p)).href;

function parseArgs(argv) {
  const options = { dataDir: path.resolve(repoRoot, '../shared/data'), lenetSteps: 200, vaeSteps: 400, rounds: 3, startupRuns: 5, threads: os.availableParallelism(), json: null, child: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--data-dir': options.dataDir = path.resolve(value()); break;
      case '--lenet-steps': options.lenetSteps = Number(value()); break;
      case '--vae-steps': options.vaeSteps = Number(value()); break;
      case '--rounds': options.rounds = Number(value()); break;
      case '--startup-runs': options.startupRuns = Number(value()); break;
      case '--threads': options.threads = Number(value()); break;
      case '--json': options.json = path.resolve(value()); break;
      case '--smoke': Object.assign(options, { lenetSteps: 2, vaeSteps: 2, rounds: 1, startupRuns: 1 }); break;
      case '--child': options.child = JSON.parse(value()); break;
      default: throw new Error(`unknown option ${argv[i]} (see the header of ${path.basename(fileURLToPath(import.meta.url))})`);
    }
  }
  return options;
}

/** Both sides get the node's environment without the build machine's OpenBLAS pins. */
function benchEnv() {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Child mode: one workload through the python engine and the workload's own code, as a case runs it. */
async function runEngineCase({ workload, steps, threads, dataDir }) {
  const { loadEngine } = await import(dist('engines/index.js'));
  const { builtinWorkloads } = await import(dist('workloads/index.js'));
  const { createDataAccess } = await import(dist('datasets/index.js'));
  const spec = builtinWorkloads.find((w) => w.id === workload);
  const engine = await loadEngine('python');
  const opening = performance.now();
  const session = await engine.open({ backend: 'pytorch-cpu', threads, engineOptions: { interpreter: python, modules: [], modulePaths: [], kit: 'mlcheck', examplesDirs: [] } });
  const openSeconds = (performance.now() - opening) / 1000;
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-bench-python-'));
  // Training time only, as the peer's --no-eval: no validation passes, evaluation sets of one batch, no PNGs.
  const overrides = workload === 'lenet' ? { trainSteps: steps, evalEvery: 0, evalSize: 64, testSize: 64 } : { trainSteps: steps, testSize: 128, images: false, epochs: 1 };
  try {
    const output = await spec.engines.python(session, {
      profile: 'quick',
      seed: 1,
      params: { ...spec.defaults, ...overrides },
      data: createDataAccess({ dataDir }),
      outDir,
      signal: new AbortController().signal,
      progress: () => {},
    });
    return { ms_per_step_median: output.metrics.ms_per_step_median?.value, steps, openSeconds, device: session.info.device, versions: session.info.versions };
  } finally {
    await session.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

function runEngine(job) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(job)], { env: benchEnv(), encoding: 'utf8', timeout: 60 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  const line = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (run.status !== 0 || line === undefined) return { error: `exit ${run.status}: ${(run.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  return JSON.parse(line);
}

function runPeer(workload, steps, threads, dataDir) {
  const args = [peerScript, '--data', path.join(dataDir, 'mnist'), '--workload', workload, '--steps', String(steps), '--threads', String(threads), '--no-eval'];
  const run = spawnSync(python, args, { env: benchEnv(), encoding: 'utf8', timeout: 60 * 60_000 });
  if (run.status !== 0) return { error: `${python} ${path.basename(peerScript)} failed (exit ${run.status}): ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}; install python3-torch and libopenblas0-pthread` };
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  return { ms_per_step_median: result.ms_per_step_median, steps: result.steps };
}

/** Wall seconds of a command, median over runs. */
function timeCommand(file, args, runs, env = benchEnv()) {
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const run = spawnSync(file, args, { env, encoding: 'utf8' });
    if (run.status !== 0) return { error: `${file} ${args.join(' ')}: exit ${run.status}: ${(run.stderr || '').trim().split('\n').pop()}` };
    seconds.push((performance.now() - started) / 1000);
  }
  return { seconds: median(seconds), runs };
}

/** The time `module load` adds: a modulefile that puts Debian's Python first, loaded in bash, against bash alone. */
async function moduleLoadSeconds(runs) {
  const { findModulesInit } = await import(dist('engines/python/modules-init.js'));
  const { loadModules } = await import(dist('engines/python/module-environment.js'));
  if (findModulesInit(process.env).script === null) return { error: 'no Environment Modules or Lmod here (apt-get install environment-modules)' };
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-bench-modules-'));
  try {
    mkdirSync(path.join(root, 'bin'));
    symlinkSync(python, path.join(root, 'bin', 'python3'));
    mkdirSync(path.join(root, 'modulefiles', 'pytorch-py311-cpu-gcc'), { recursive: true });
    writeFileSync(path.join(root, 'modulefiles', 'pytorch-py311-cpu-gcc', '1.13.1'), `#%Module1.0\nprepend-path PATH ${path.join(root, 'bin')}\n`);
    const seconds = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const load = await loadModules({ modules: ['pytorch-py311-cpu-gcc'], modulePaths: [path.join(root, 'modulefiles')], env: process.env });
      if (!load.ok) return { error: load.reason };
      seconds.push((performance.now() - started) / 1000);
    }
    return { seconds: median(seconds), runs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function cpuModel() {
  return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
}

const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.child) {
    const result = await runEngineCase(options.child);
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
    return;
  }
  const before = loadAverage();
  process.stderr.write(`python engine vs PyTorch peer on ${cpuModel()} x${os.availableParallelism()}, load average ${before}\n`);
  const rows = [];
  for (const [workload, steps] of [['lenet', options.lenetSteps], ['vae', options.vaeSteps]]) {
    const peer = [];
    const engine = [];
    let device = null;
    let versions = null;
    const errors = [];
    for (let round = 1; round <= options.rounds; round++) {
      process.stderr.write(`${workload} round ${round}/${options.rounds}: peer, ${steps} steps... `);
      const p = runPeer(workload, steps, options.threads, options.dataDir);
      process.stderr.write(`${p.ms_per_step_median?.toFixed(1) ?? p.error} ms; engine... `);
      const e = runEngine({ workload, steps, threads: options.threads, dataDir: options.dataDir });
      process.stderr.write(`${e.ms_per_step_median?.toFixed(1) ?? e.error} ms\n`);
      if (p.error) errors.push(p.error);
      else peer.push(p.ms_per_step_median);
      if (e.error) errors.push(e.error);
      else {
        engine.push(e.ms_per_step_median);
        device = e.device;
        versions = e.versions;
      }
    }
    const peerMedian = peer.length ? median(peer) : undefined;
    const engineMedian = engine.length ? median(engine) : undefined;
    rows.push({ workload, steps, rounds: options.rounds, peer_ms_per_step: peerMedian, engine_ms_per_step: engineMedian, peer_rounds: peer, engine_rounds: engine, ratio: peerMedian && engineMedian ? engineMedian / peerMedian : undefined, device, versions, errors });
  }

  process.stderr.write('start-up...\n');
  const startup = {
    interpreter: timeCommand(python, ['-c', 'pass'], options.startupRuns),
    import_torch: timeCommand(python, ['-c', 'import torch'], options.startupRuns),
    module_load: await moduleLoadSeconds(options.startupRuns),
  };
  const opened = [];
  for (let i = 0; i < options.startupRuns; i++) {
    const e = runEngine({ workload: 'lenet', steps: 1, threads: options.threads, dataDir: options.dataDir });
    if (e.openSeconds !== undefined) opened.push(e.openSeconds);
  }
  startup.engine_open = opened.length ? { seconds: median(opened), runs: opened.length, what: 'engine.open(): start the interpreter, import torch, report the build and devices' } : { error: 'the engine did not open' };
  const after = loadAverage();

  const cpu = cpuModel();
  console.log(`\nPython engine vs bare PyTorch peer, ${cpu} (${os.availableParallelism()} CPUs, ${options.threads} threads), load average before ${before}, after ${after}`);
  console.log(['workload', 'steps x rounds', 'peer ms/step', 'engine ms/step', 'engine / peer'].join('\t'));
  for (const r of rows) {
    console.log([r.workload, `${r.steps} x ${r.rounds}`, r.peer_ms_per_step?.toFixed(1) ?? '-', r.engine_ms_per_step?.toFixed(1) ?? '-', r.ratio?.toFixed(3) ?? r.errors.join('; ')].join('\t'));
  }
  console.log('\nstart-up (median wall seconds)');
  for (const [name, value] of Object.entries(startup)) console.log(`${name}\t${value.seconds?.toFixed(3) ?? value.error}`);
  if (rows[0]?.device) console.log(`\nengine device: ${rows[0].device}`);
  if (Number.parseFloat(after.split(' ')[0]) >= 0.5 || Number.parseFloat(before.split(' ')[0]) >= 0.5) console.log('note: the machine was not idle (load average >= 0.5): do not quote these ratios');
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ date: new Date().toISOString(), host: os.hostname(), cpu, cpus: os.availableParallelism(), threads: options.threads, loadavg: { before, after }, rows, startup }, null, 2)}\n`);
}

await main();
