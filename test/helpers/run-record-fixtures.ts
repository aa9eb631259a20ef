import type { CaseResult, JudgedMetric, RunRecord, RunSession } from '../../src/references/results.js';

/** Hand-built run records for report and compare tests (no workload runs). */
export function session(overrides: Partial<RunSession> = {}): RunSession {
  return {
    id: 'session-1',
    host: 'node001',
    user: 'alice',
    commandLine: ['mlcheck', 'run', 'iris', 'lenet'],
    mlcheckVersion: '0.1.0',
    startedAt: '2024-05-01T10:00:00.000Z',
    endedAt: '2024-05-01T10:05:00.000Z',
    profile: 'quick',
    probe: null,
    interrupted: false,
    outDir: '/tmp/mlcheck-runs/1',
    ...overrides,
  };
}

export function metric(value: number, unit: string, extra: Partial<JudgedMetric> = {}): JudgedMetric {
  return { value, unit, threshold: null, reference: null, verdict: 'info', ...extra };
}

export function caseResult(workload: string, overrides: Partial<CaseResult> = {}): CaseResult {
  const engine = overrides.engine ?? 'tfjs';
  const backend = overrides.backend ?? 'cpu';
  return {
    id: `${workload}/${engine}/${backend}`,
    workload,
    engine,
    backend,
    device: 'cpu',
    profile: 'quick',
    outcome: 'pass',
    failPhase: null,
    reason: null,
    seed: 1,
    versions: { '@tensorflow/tfjs-core': '4.22.0' },
    timings: { startedAt: '2024-05-01T10:00:00.000Z', endedAt: '2024-05-01T10:00:03.500Z', wallSeconds: 3.5, setupSeconds: 0.4 },
    metrics: {},
    hyperparameters: { steps: 100, hidden: [10, 10] },
    lines: [],
    details: {},
    artifacts: [],
    ...overrides,
  };
}

export function record(cases: CaseResult[], sessionOverrides: Partial<RunSession> = {}): RunRecord {
  return { session: session(sessionOverrides), cases };
}

/** One case of every outcome, with the awkward bits a report must survive. */
export function mixedRecord(): RunRecord {
  return record(
    [
      caseResult('iris', {
        metrics: { test_accuracy: metric(0.967, '', { threshold: { min: 0.9 }, verdict: 'pass' }) },
        lines: ['Prediction is "Setosa" (99.8%), expected "Setosa"'],
      }),
      caseResult('lenet', {
        backend: 'wasm',
        id: 'lenet/tfjs/wasm',
        outcome: 'fail',
        failPhase: 'sanity',
        reason: 'test_error_pct 3.10% > 1%',
        metrics: {
          test_error_pct: metric(3.1, '%', { threshold: { max: 1 }, verdict: 'fail' }),
          ms_per_step_median: metric(120.5, 'ms', { reference: { value: 100, lower: -0.5, upper: 0.3 }, verdict: 'pass' }),
          diverged_loss: metric(Number.NaN, ''),
        },
      }),
      caseResult('vae', {
        outcome: 'fail',
        failPhase: 'crash',
        reason: 'crashed in phase run: killed by SIGSEGV <native> & "friends"',
        crash: { exitCode: null, signal: 'SIGSEGV', stderrTail: ['Segmentation fault (core dumped) \u0007 <0x7f>'] },
      }),
      caseResult('inception', { engine: 'onnx', id: 'inception/onnx/cpu', outcome: 'skip', reason: 'model not staged: run `mlcheck datasets fetch imagenet`' }),
      caseResult('hello', {
        outcome: 'warn',
        failPhase: 'performance',
        reason: 'ms_per_step_median 300 ms is +200.0% from the cpu-x reference 100',
        metrics: { ms_per_step_median: metric(300, 'ms', { reference: { value: 100, lower: -0.5, upper: 0.5 }, verdict: 'warn' }) },
      }),
      caseResult('hello', { engine: 'onnx', id: 'hello/onnx/cpu', outcome: 'error', failPhase: 'interrupted', reason: 'interrupted by SIGTERM' }),
    ],
    {
      probe: {
        schemaVersion: 1,
        cpu: { vendor: 'AuthenticAMD', brand: 'AMD EPYC 7B13', features: { avx: true } },
        memory: { totalBytes: 24e9 },
        gpus: [],
        gpuError: 'libcuda.so.1 not found',
        verdicts: [
          { subject: 'cpu-gcc', status: 'pass', reason: 'AVX, AVX2, FMA, SSE4.2 present' },
          { subject: 'cuda', status: 'fail', reason: 'no NVIDIA GPU: "cuda" packages would segfault' },
        ],
      } as unknown as RunSession['probe'],
    },
  );
}
