/**
 * The check of a node (src/check/check-node.ts), the one path `run`, `bench` and `slurm check`
 * take: probe, node class, job GPU scope, plan, run, decide, each once, with the decision stored
 * on the record; and the readers (console, JSON, JUnit, Prometheus, exit code, Slurm) reading
 * that stored decision instead of deciding again. The probe and the runner are the injected
 * steps here: what is under test is the sequence, not them (the CLI tests run them for real).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNode } from '../../src/check/check-node.js';
import { runCases, type RunCasesOptions } from '../../src/check/run-cases.js';
import type { TakeProbeOptions, TakenProbe } from '../../src/check/take-probe.js';
import type { CheckEvent } from '../../src/check/types.js';
import { exitCodeForRun } from '../../src/cli/outcome-exit.js';
import { loadNodeReferences, type NodeClass } from '../../src/references/node-references.js';
import type { RunRecord } from '../../src/references/results.js';
import { decideRun, withDecision } from '../../src/references/run-outcome.js';
import { buildJsonReport, renderConsole, renderJunit, renderPrometheus, verdictLine } from '../../src/report/index.js';
import type { RunOptions } from '../../src/runner/run.js';
import { checkSlurmNode } from '../../src/slurm/health-check.js';
import type { SlurmNodeState } from '../../src/slurm/node-state.js';
import { caseResult, record } from '../helpers/run-record-fixtures.js';
import { repoRoot } from '../helpers/paths.js';

const references = loadNodeReferences();
const epyc: NodeClass = { id: 'epyc', description: 'test class', match: { cpu: 'EPYC' }, references: {} };
const plan = { profile: 'smoke' as const, seed: 1, outDir: '/tmp/mlcheck-check-node-test' };

/** Steps that write down the order they ran in, and what the runner was given. */
function recordingSteps(result: RunRecord, node: TakenProbe = { probe: null, nodeClass: epyc }) {
  const calls: string[] = [];
  const given: RunCasesOptions[] = [];
  return {
    calls,
    given,
    steps: {
      takeProbe: async (options: TakeProbeOptions): Promise<TakenProbe> => {
        calls.push('probe');
        options.onProbeFailed?.('libcuda.so.1 not found');
        return node;
      },
      runCases: async (options: RunCasesOptions): Promise<RunRecord> => {
        calls.push(`run ${options.cases.kind}`);
        given.push(options);
        return result;
      },
    },
  };
}

describe('checkNode: each step once, the decision stored', () => {
  it('probes, plans and runs once each, in that order, inside one interruptible window, then stores the decision made under --strict', async () => {
    const ran = record([caseResult('hello'), caseResult('iris', { outcome: 'skip', reason: 'not staged' })]);
    const { calls, given, steps } = recordingSteps(ran);
    const events: CheckEvent[] = [];
    let windows = 0;
    const checked = await checkNode({
      probe: { probe: { requiredPackages: [] }, chooseNodeClass: () => epyc, references },
      cases: (node) => {
        calls.push(`plan for ${node.nodeClass?.id ?? 'no class'}`);
        return { kind: 'plan', plan };
      },
      strict: true,
      deadlineSeconds: 30,
      commandLine: ['mlcheck', 'run'],
      interruptible: async (work, options) => {
        windows++;
        expect(options).toEqual({ deadlineSeconds: 30 });
        return work(new AbortController().signal);
      },
      onEvent: (event) => events.push(event),
      steps,
    });
    expect(calls).toEqual(['probe', 'plan for epyc', 'run plan']);
    expect(windows).toBe(1);
    expect(events).toEqual([{ type: 'probe-failed', reason: 'libcuda.so.1 not found' }]);
    // The runner judges performance under --strict with the class's references, before the deadline.
    expect(given[0]).toMatchObject({ strict: true, node: { nodeClass: epyc }, commandLine: ['mlcheck', 'run'] });
    expect(given[0]!.deadlineAt).toBeGreaterThan(Date.now());
    expect(checked.nodeClass).toBe(epyc);
    expect(checked.record.decision).toEqual({ ...decideRun(ran, { strict: true }), strict: true });
    expect(checked.record.decision.status).toBe('fail');
  });

  it('without a probe (run --no-probe) matches no class and runs the plan without one', async () => {
    const { calls, given, steps } = recordingSteps(record([caseResult('hello')]));
    const checked = await checkNode({ probe: null, cases: () => ({ kind: 'resume', outDir: plan.outDir }), commandLine: [], steps });
    expect(calls).toEqual(['run resume']);
    expect(given[0]!.node).toEqual({ probe: null, nodeClass: null });
    expect(checked.record.decision).toMatchObject({ status: 'pass', strict: false });
  });
});

describe('runCases: a plan, a resumed run, or a bench repetition each, once', () => {
  it('repeats the plan with seeds 1..n in repetition-n folders, judged by thresholds alone, stops after an interrupted one, and folds the medians', async () => {
    const runs: RunOptions[] = [];
    const aggregated = await runCases({
      cases: { kind: 'repeat', plan: { profile: 'quick', outDir: '/tmp/bench' }, repetitions: 3 },
      node: { probe: null, nodeClass: epyc },
      strict: true,
      commandLine: [],
      runPlan: async (options) => {
        runs.push(options);
        return record([caseResult('lenet')], { interrupted: runs.length === 2, outDir: options.outDir });
      },
    });
    expect(runs.map((r) => [r.seed, r.outDir])).toEqual([
      [1, '/tmp/bench/repetition-1'],
      [2, '/tmp/bench/repetition-2'],
    ]);
    expect(runs.every((r) => r.nodeClass === undefined && r.strict === undefined)).toBe(true);
    expect(aggregated.session.outDir).toBe('/tmp/bench');
  });
});

describe('the readers read the stored decision and never decide again', () => {
  // Cases that all passed, stored with the decision of a run that failed: a reader that decided
  // again would say PASS.
  const passed = record([caseResult('hello'), caseResult('iris')]);
  const failedDecision = withDecision(record([caseResult('lenet', { outcome: 'fail', reason: 'wrong answer' })])).decision;
  const stored = { ...passed, decision: failedDecision };

  it('console, JSON, JUnit, Prometheus and the exit code all say the stored FAIL', () => {
    expect(verdictLine(stored)).toBe('mlcheck: FAIL lenet/tfjs wrong answer');
    expect(renderConsole(stored).trimEnd().split('\n').at(-1)).toBe('mlcheck: FAIL lenet/tfjs wrong answer');
    expect(buildJsonReport(stored).outcome).toMatchObject({ status: 'fail', strict: false });
    expect(renderPrometheus(stored)).toContain('mlcheck_run_outcome{status="fail"} 1');
    expect(exitCodeForRun(stored)).toBe(1);
  });

  it('--strict is what the run was decided under, not an option of a reader', () => {
    const skipped = record([caseResult('hello'), caseResult('iris', { outcome: 'skip', reason: 'not staged' })]);
    const strict = withDecision(skipped, { strict: true });
    expect(buildJsonReport(strict).outcome).toMatchObject({ status: 'fail', strict: true, subjects: ['iris/tfjs/cpu'] });
    expect(renderJunit(strict)).toContain('skipped under --strict: not staged');
    expect(exitCodeForRun(strict)).toBe(1);
    expect(exitCodeForRun(withDecision(skipped))).toBe(0);
  });

  it('only references/run-outcome.ts calls decideRun in src/, and no command calls another command', () => {
    const srcDir = path.join(repoRoot, 'src');
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : []));
    })(srcDir);
    const callers = files.filter((file) => /\bdecideRun\(/.test(readFileSync(file, 'utf8'))).map((file) => path.relative(srcDir, file));
    expect(callers).toEqual([path.join('references', 'run-outcome.ts')]);
    const commands = files.filter((file) => path.dirname(file) === path.join(srcDir, 'cli', 'commands'));
    const crossing = commands.filter((file) => /from '\.\/[^']+'/.test(readFileSync(file, 'utf8'))).map((file) => path.relative(srcDir, file));
    expect(crossing).toEqual([]);
  });
});

describe('checkSlurmNode: the check of the node, then the drain policy, then scontrol', () => {
  const idle: SlurmNodeState = { name: 'node001', states: ['idle'], reason: null };
  const failing = record([caseResult('hello', { outcome: 'fail', reason: 'wrong sum' })]);
  const options = (applied: string[], ran: RunRecord, extra: Partial<Parameters<typeof checkSlurmNode>[0]> = {}) => ({
    node: 'node001',
    profile: 'smoke' as const,
    plan: () => ({ profile: 'smoke' as const }),
    out: plan.outDir,
    probe: { requiredPackages: [] },
    references,
    deadlineSeconds: 45,
    commandLine: [],
    steps: recordingSteps(ran).steps,
    readState: async () => idle,
    applyAction: async (node: string, action: { kind: string }) => {
      applied.push(`${action.kind} ${node}`);
    },
    ...extra,
  });

  it('drains a failed node once, with the stored verdict as the reason, retrying crashes and never under --strict', async () => {
    const applied: string[] = [];
    let given: RunCasesOptions | undefined;
    const result = await checkSlurmNode({
      ...options(applied, failing),
      steps: {
        takeProbe: async () => ({ probe: null, nodeClass: null }),
        runCases: async (o) => {
          given = o;
          return failing;
        },
      },
    });
    expect(given).toMatchObject({ strict: false, retryTransientFailures: true, cases: { kind: 'plan', plan: { seed: 1, outDir: plan.outDir } } });
    expect(result).toMatchObject({ mode: 'health-check', verdict: 'fail', action: { kind: 'drain', reason: expect.stringMatching(/^mlcheck check\/smoke: FAIL hello\/tfjs\/cpu: .*wrong sum/) }, actionError: null, dryRun: false });
    expect(applied).toEqual(['drain node001']);
  });

  it('says the command in a dry run and acts on nothing as a prolog', async () => {
    const applied: string[] = [];
    const dry = await checkSlurmNode(options(applied, failing, { dryRun: true }));
    expect(dry).toMatchObject({ mode: 'health-check', dryRun: true, command: ['scontrol', 'update', 'nodename=node001', 'state=drain', expect.stringContaining('reason=mlcheck check/smoke: FAIL')] });
    const prolog = await checkSlurmNode(options(applied, failing, { prolog: true }));
    expect(prolog).toMatchObject({ mode: 'prolog', verdict: 'fail' });
    expect(applied).toEqual([]);
  });
});
