#!/usr/bin/env node
// LeNet (batch 64) and VAE (batch 128) training step times: mlcheck's tfjs backends against the
// PyTorch peer (docs/design.md §6), side by side in one run. Plain timed script; needs `npx tsc -p .`
// first (it runs the real workloads from dist/) and Debian's python3-torch + libopenblas0-pthread
// for the peer (`apt-get install -y python3-torch libopenblas0-pthread`).
//
//   node benchmarks/training-vs-pytorch.mjs [--data-dir DIR] [--steps 40] [--vae-steps 100]
//        [--cpu-steps 2] [--threads N] [--backends wasm,cpu] [--json FILE] [--smoke]
//
// --smoke: 2 steps each on wasm only (the test suite's check that the script still runs).
//
// Each measurement runs in its own process, so backends do not share a heap or thread pool.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const peerScript = path.resolve(repoRoot, '../shared/peers/pytorch_reference.py');
const python = '/usr/bin/python3';

function parseArgs(argv) {
  const options = {
    dataDir: path.resolve(repoRoot, '../shared/data'),
    steps: 40,
    vaeSteps: 100,
    cpuSteps: 2,
    threads: os.availableParallelism(),
    backends: null,
    json: null,
    child: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--data-dir': options.dataDir = path.resolve(value()); break;
      case '--steps': options.steps = Number(value()); break;
      case '--vae-steps': options.vaeSteps = Number(value()); break;
      case '--cpu-steps': options.cpuSteps = Number(value()); break;
      case '--threads': options.threads = Number(value()); break;
      case '--backends': options.backends = value().split(','); break;
      case '--json': options.json = path.resolve(value()); break;
      case '--smoke': Object.assign(options, { steps: 2, vaeSteps: 2, cpuSteps: 1, backends: ['wasm'] }); break;
      case '--child': options.child = JSON.parse(value()); break;
      default: throw new Error(`unknown option ${argv[i]} (see the header of ${path.basename(fileURLToPath(import.meta.url))})`);
    }
  }
  return options;
}

/** Child mode: one workload on one tfjs backend, through the real engine and workload code. */
async function runTfjsCase({ backend, workload, steps, threads, dataDir }) {
  const dist = (p) => pathToFileURL(path.join(repoRoot, 'dist', p)).href;
  const { loadEngine } = await import(dist('engines/index.js'));
  const { builtinWorkloads } = await import(dist('workloads/index.js'));
  const { createDataAccess } = await import(dist('datasets/index.js'));
  const spec = builtinWorkloads.find((w) => w.id === workload);
  const engine = await loadEngine('tfjs');
  const session = await engine.open({ backend, threads });
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-bench-'));
  // Training time only: evaluation sets shrunk to one batch, no validation passes, no PNGs.
  const overrides = workload === 'lenet'
    ? { trainSteps: steps, evalEvery: 0, evalSize: 64, testSize: 64 }
    : { trainSteps: steps, testSize: 128, images: false, epochs: 1 };
  try {
    const output = await spec.engines.tfjs(session, {
      profile: 'quick',
      seed: 1,
      params: { ...spec.defaults, ...overrides },
      data: createDataAccess({ dataDir }),
      outDir,
      signal: new AbortController().signal,
      progress: () => {},
    });
    return {
      ms_per_step_median: output.metrics.ms_per_step_median?.value,
      ms_per_step_p95: output.metrics.ms_per_step_p95?.value,
      steps,
      device: session.info?.device,
    };
  } finally {
    await session.close?.();
    rmSync(outDir, { recursive: true, force: true });
  }
}

function runPeer(workload, steps, dataDir) {
  const env = { ...process.env };
  // docs/design.md §6: the build machine pins OpenBLAS to its Haswell kernels; the peer runs unpinned.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [peerScript, '--data', path.join(dataDir, 'mnist'), '--workload', workload, '--steps', String(steps), '--no-eval'];
  const run = spawnSync(python, args, { env, encoding: 'utf8', timeout: 30 * 60_000 });
  if (run.status !== 0) {
    return { error: `${python} ${path.basename(peerScript)} failed (exit ${run.status}): ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}; install python3-torch and libopenblas0-pthread` };
  }
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  return { ms_per_step_median: result.ms_per_step_median, steps: result.steps, device: `torch ${result.torch}, ${result.threads} threads` };
}

function runChild(job) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    timeout: 60 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (run.status !== 0 || line === undefined) {
    return { error: `exit ${run.status}: ${(run.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  }
  return JSON.parse(line);
}

async function detectBackends() {
  const { loadEngine } = await import(pathToFileURL(path.join(repoRoot, 'dist/engines/index.js')).href);
  const engine = await loadEngine('tfjs');
  return (await engine.detect()).filter((b) => b.available).map((b) => b.backend);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.child) {
    const result = await runTfjsCase(options.child);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0); // the wasm thread pool's workers would otherwise keep Node alive
  }
  const backends = options.backends ?? (await detectBackends());
  const rows = [];
  for (const workload of ['lenet', 'vae']) {
    const peerSteps = workload === 'lenet' ? options.steps : options.vaeSteps;
    process.stderr.write(`${workload}: PyTorch peer, ${peerSteps} steps...\n`);
    const peer = runPeer(workload, peerSteps, options.dataDir);
    rows.push({ workload, engine: 'pytorch', backend: 'cpu (OpenBLAS)', ...peer });
    for (const backend of backends) {
      const steps = backend === 'cpu' ? options.cpuSteps : peerSteps;
      process.stderr.write(`${workload}: tfjs ${backend}, ${steps} steps...\n`);
      const result = runChild({ backend, workload, steps, threads: options.threads, dataDir: options.dataDir });
      rows.push({ workload, engine: 'tfjs', backend, ...result, ratio_to_pytorch: ratio(result, peer) });
    }
  }
  printTable(rows, options);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ date: new Date().toISOString(), host: os.hostname(), cpus: os.cpus()[0]?.model, loadavg: os.loadavg(), rows }, null, 2)}\n`);
}

function ratio(result, peer) {
  return result.ms_per_step_median && peer.ms_per_step_median ? result.ms_per_step_median / peer.ms_per_step_median : undefined;
}

function printTable(rows, options) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\nTraining step times, ${cpu} (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}), tfjs threads ${options.threads}`);
  console.log(['workload', 'engine', 'backend', 'steps', 'median ms/step', 'x PyTorch', 'device / error'].join('\t'));
  for (const r of rows) {
    console.log([
      r.workload, r.engine, r.backend, r.steps ?? '-',
      r.ms_per_step_median?.toFixed(1) ?? '-',
      r.ratio_to_pytorch?.toFixed(2) ?? (r.engine === 'pytorch' ? '1.00' : '-'),
      r.error ?? r.device ?? '',
    ].join('\t'));
  }
}

await main();
