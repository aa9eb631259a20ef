// Every benchmark `npm run bench` runs, how, and what smoke mode (a few iterations, no timing
// meant; the test suite runs it) changes. A result goes to <results>/<name>.<format>.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchmarksDir = path.dirname(fileURLToPath(import.meta.url));
const script = (name) => path.join(benchmarksDir, name);
const vitest = path.join(benchmarksDir, '..', 'node_modules', 'vitest', 'vitest.mjs');

/**
 * @typedef {object} Benchmark
 * @property {string} name
 * @property {string} description
 * @property {'json' | 'txt'} format what the result file holds
 * @property {(result: string, smoke: boolean) => { args: string[], env?: Record<string, string>, stdoutIsResult: boolean }} command
 */

/** @type {Benchmark[]} */
export const BENCHMARKS = [
  {
    name: 'micro',
    description: 'vitest bench (tinybench): probe latency, the wasm training kernels, one isolated case without its workload',
    format: 'json',
    command: (result, smoke) => ({
      args: [vitest, 'bench', '--run', '--config', path.join(benchmarksDir, 'vitest.bench.config.ts'), '--outputJson', result],
      env: smoke ? { MLCHECK_BENCH_SMOKE: '1' } : {},
      stdoutIsResult: false,
    }),
  },
  {
    name: 'probe',
    description: '`mlcheck probe --json` as a whole process against the native calls alone',
    format: 'json',
    command: (_result, smoke) => ({ args: [script('probe.js'), '--json', ...(smoke ? ['--smoke'] : [])], stdoutIsResult: true }),
  },
  {
    name: 'mlcheck-overhead',
    description: "mlcheck's own overhead: a workload through `mlcheck run` against the workload function in one process (goal: at most 2 %)",
    format: 'json',
    command: (result, smoke) => ({ args: [script('mlcheck-overhead.mjs'), '--json', result, ...(smoke ? ['--smoke'] : [])], stdoutIsResult: false }),
  },
  {
    name: 'smoke-wall-time',
    description: 'where the time of `mlcheck run --profile smoke` goes',
    format: 'txt',
    command: (_result, smoke) => ({ args: [script('smoke-wall-time.mjs'), ...(smoke ? ['--runs', '1'] : [])], stdoutIsResult: true }),
  },
  {
    name: 'quick-wall-time',
    description: '`mlcheck run --profile quick` against its 60 s goal',
    format: 'json',
    command: (result, smoke) => ({ args: [script('quick-wall-time.mjs'), '--json', result, ...(smoke ? ['--runs', '1', '--', 'hello', '--engine', 'tfjs', '--profile', 'smoke'] : [])], stdoutIsResult: false }),
  },
  {
    name: 'inference-vs-onnxruntime-web',
    description: "ImageNet inference on mlcheck's onnx engine against onnxruntime-web, in one process",
    format: 'json',
    command: (_result, smoke) => ({ args: [script('inference-vs-onnxruntime-web.mjs'), '--json', ...(smoke ? ['--smoke'] : [])], stdoutIsResult: true }),
  },
  {
    name: 'training-vs-pytorch',
    description: 'LeNet and VAE training steps on the tfjs backends against the PyTorch peer (docs/design.md §6)',
    format: 'json',
    command: (result, smoke) => ({ args: [script('training-vs-pytorch.mjs'), '--json', result, ...(smoke ? ['--smoke'] : [])], stdoutIsResult: false }),
  },
  {
    name: 'python-vs-pytorch',
    description: 'LeNet and VAE training steps and start-up on the python engine against the bare PyTorch peer (goal: within 1.03x)',
    format: 'json',
    command: (result, smoke) => ({ args: [script('python-vs-pytorch.mjs'), '--json', result, ...(smoke ? ['--smoke'] : [])], stdoutIsResult: false }),
  },
];
