#!/usr/bin/env node
// Times `mlcheck probe --json` as a whole process (median of N runs) and the native probe
// calls alone, in one run so the two figures share the machine's load.
// Usage: node benchmarks/probe.js [--runs 15] [--json] [--smoke]   (after `npx tsc -p .` and the addon build)
// --smoke: 2 runs (the test suite's check that the script still runs; the timings mean nothing).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const smoke = args.includes('--smoke');
const runs = smoke ? 2 : Math.max(10, runsArg >= 0 ? Number(args[runsArg + 1]) : 15);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const p95 = (values) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.95) - 1)];

function timeWholeProcess(argv) {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    const result = spawnSync(process.execPath, argv, { cwd: repoRoot, encoding: 'utf8' });
    times.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return times;
}

const { loadNativeProbe } = await import(path.join(repoRoot, 'dist', 'native', 'binding.js'));
const { probeNode } = await import(path.join(repoRoot, 'dist', 'probe', 'index.js'));

const loadStart = performance.now();
const native = loadNativeProbe();
const loadMs = performance.now() - loadStart;

const cpuTimes = [];
const gpuTimes = [];
const probeNodeTimes = [];
for (let i = 0; i < (smoke ? runs : Math.max(runs, 50)); i += 1) {
  let start = performance.now();
  native.probeCpu();
  native.totalMemoryBytes();
  cpuTimes.push(performance.now() - start);
  start = performance.now();
  await native.probeGpus();
  gpuTimes.push(performance.now() - start);
  start = performance.now();
  await probeNode();
  probeNodeTimes.push(performance.now() - start);
}

const nodeBaseline = timeWholeProcess(['-e', '0']);
const whole = timeWholeProcess([path.join('bin', 'mlcheck.js'), 'probe', '--json']);
// The same command with only the probe command registered: separates the probe's own cost from
// the import cost of the CLI's other commands (main.js imports every command module eagerly).
const probeOnlyScript = `
  import { Command } from 'commander';
  import { registerProbe } from './dist/cli/commands/probe.js';
  let code = 0;
  const program = new Command('mlcheck');
  registerProbe(program, { out: (t) => process.stdout.write(t + '\\n'), err: (t) => process.stderr.write(t + '\\n'), isTTY: false, setExitCode: (c) => { code = c; } });
  await program.parseAsync(['node', 'mlcheck', 'probe', '--json']);
  process.exitCode = code;`;
const probeOnly = timeWholeProcess(['--input-type=module', '-e', probeOnlyScript]);

const result = {
  runs,
  wholeProcessMs: { median: median(whole), p95: p95(whole), min: Math.min(...whole) },
  probeCommandOnlyProcessMs: { median: median(probeOnly), p95: p95(probeOnly) },
  nodeStartupMs: { median: median(nodeBaseline) },
  addonLoadMs: loadMs,
  nativeCpuProbeMs: { median: median(cpuTimes), p95: p95(cpuTimes) },
  nativeGpuProbeMs: { median: median(gpuTimes), p95: p95(gpuTimes), note: 'dlopen attempts of libcuda.so.1 and libnvidia-ml.so.1 on this machine' },
  probeNodeInProcessMs: { median: median(probeNodeTimes), p95: p95(probeNodeTimes) },
};
if (args.includes('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const f = (ms) => `${ms.toFixed(ms < 1 ? 3 : 1)} ms`;
  console.log(`mlcheck probe --json, whole process: median ${f(result.wholeProcessMs.median)}, p95 ${f(result.wholeProcessMs.p95)} over ${runs} runs (node -e 0 alone: ${f(result.nodeStartupMs.median)})`);
  console.log(`the same with only the probe command registered: median ${f(result.probeCommandOnlyProcessMs.median)} (the rest is other commands' imports)`);
  console.log(`native probe alone: cpuid+xgetbv+memory ${f(result.nativeCpuProbeMs.median)}, GPU (dlopen driver) ${f(result.nativeGpuProbeMs.median)}, addon load ${f(loadMs)}`);
  console.log(`probeNode() in process (native + rules): median ${f(result.probeNodeInProcessMs.median)}`);
}
