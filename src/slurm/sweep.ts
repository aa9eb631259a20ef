import path from 'node:path';
import type { JsonReport } from '../report/json-report.js';
import { runSlurmCommand, slurmOrThrow, type RunSlurmOptions } from './commands.js';
import { isUnavailable, parseScontrolNodeLine, type SlurmNodeState } from './node-state.js';
import { shellQuote } from './shell-quote.js';
import { createJobScript, JOB_SCRIPT, prepareSweepDirectory, REPORT_FILE } from './sweep-directory.js';
import { readSweepReport } from './sweep-report.js';

export type SweepNodeStatus = 'pass' | 'fail' | 'undecided' | 'not started' | 'skipped';

export interface SweepNode {
  node: string;
  status: SweepNodeStatus;
  /** Why: the run's one-line summary, the job's end, or why the node was skipped. */
  detail: string;
  jobId: string | null;
  /** e.g. COMPLETED, FAILED, TIMEOUT, CANCELLED; null when never submitted or no longer known. */
  jobState: string | null;
  exitCode: number | null;
  /** DIR/<node>/report.json when this sweep's job wrote it (its session names the job and the node). */
  report: string | null;
  /** That report as read, once (the comparison uses it; nothing reads the file again). */
  loaded: JsonReport | null;
  /** What failed on the node (the report's outcome.subjects): verdict subjects and case ids. */
  subjects: string[];
}

export interface SweepProgress {
  done: number;
  running: string[];
  /** Pending nodes with Slurm's reason, e.g. "node02 (Resources)". */
  pending: string[];
  total: number;
}

export interface SweepOptions extends RunSlurmOptions {
  nodes: readonly string[];
  /** Shared storage: each node writes DIR/<node>/. */
  out: string;
  /** The mlcheck command each job runs, e.g. [process.execPath, '/opt/mlcheck/bin/mlcheck.js']. */
  mlcheck: readonly string[];
  /** Arguments after `mlcheck run` (profile, data dir, ...). */
  runArgs: readonly string[];
  /** Slurm's time limit per job: a stuck check ends there (undecided, never a drain). */
  timeLimitMinutes: number;
  signal?: AbortSignal;
  onProgress?: (progress: SweepProgress) => void;
  pollMs?: number;
}

/** Expands a Slurm host list ("node[01-03],gpu7") with Slurm's own parser. */
export async function expandNodeList(list: string, options: RunSlurmOptions = {}): Promise<string[]> {
  return (await slurmOrThrow('scontrol', ['show', 'hostnames', list], options)).split('\n').map((s) => s.trim()).filter(Boolean);
}

export async function partitionNodes(partition: string, options: RunSlurmOptions = {}): Promise<string[]> {
  const out = await slurmOrThrow('sinfo', ['-h', '-N', '-p', partition, '-o', '%N'], options);
  return [...new Set(out.split('\n').map((s) => s.trim()).filter(Boolean))];
}

export async function readNodeStates(nodes: readonly string[], options: RunSlurmOptions = {}): Promise<Map<string, SlurmNodeState>> {
  const out = await slurmOrThrow('scontrol', ['show', 'node', '-o', nodes.join(',')], options);
  const states = new Map<string, SlurmNodeState>();
  for (const line of out.split('\n').filter((l) => l.includes('NodeName='))) {
    const state = parseScontrolNodeLine(line);
    states.set(state.name, state);
  }
  return states;
}

/**
 * One exclusive job per node, each running `mlcheck run --json DIR/<node>/report.json`; waits
 * for all of them, showing progress, and says what became of each node. Nodes that are down or
 * drained are skipped (and listed); an abort cancels the jobs and keeps what finished. Only this
 * sweep counts: DIR must be the caller's alone, an earlier sweep's files are removed first, and
 * a report counts only when it names the job that was submitted for its node.
 */
export async function sweepNodes(options: SweepOptions): Promise<SweepNode[]> {
  const states = await readNodeStates(options.nodes, options);
  prepareSweepDirectory({ out: options.out, nodes: options.nodes.filter((node) => states.has(node) && !isUnavailable(states.get(node)!)) });
  const results = new Map<string, SweepNode>();
  const submitted: { node: string; jobId: string }[] = [];
  for (const node of options.nodes) {
    const state = states.get(node);
    if (state === undefined) {
      results.set(node, blank(node, 'skipped', 'Slurm does not know this node'));
      continue;
    }
    if (isUnavailable(state)) {
      results.set(node, blank(node, 'skipped', `${state.states.join('+')}${state.reason ? `: ${state.reason}` : ''}`));
      continue;
    }
    const jobId = await submit(node, options);
    submitted.push({ node, jobId });
    results.set(node, { ...blank(node, 'not started', 'submitted'), jobId });
  }

  let cancelled = false;
  const cancel = (): void => {
    if (cancelled || submitted.length === 0) return;
    cancelled = true;
    void runSlurmCommand('scancel', submitted.map((s) => s.jobId), options);
  };
  options.signal?.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const queue = await queued(submitted.map((s) => s.jobId), options);
      const running = submitted.filter((s) => queue.get(s.jobId)?.state === 'RUNNING' || queue.get(s.jobId)?.state === 'COMPLETING');
      const pending = submitted.filter((s) => queue.get(s.jobId)?.state === 'PENDING');
      options.onProgress?.({
        done: submitted.length - running.length - pending.length,
        running: running.map((s) => s.node),
        pending: pending.map((s) => `${s.node} (${queue.get(s.jobId)?.reason ?? '?'})`),
        total: submitted.length,
      });
      if (running.length + pending.length === 0) break;
      if (options.signal?.aborted) cancel();
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
    }
  } finally {
    options.signal?.removeEventListener('abort', cancel);
  }

  for (const { node, jobId } of submitted) results.set(node, await nodeResult(node, jobId, options));
  return options.nodes.map((node) => results.get(node)!);
}

function blank(node: string, status: SweepNodeStatus, detail: string): SweepNode {
  return { node, status, detail, jobId: null, jobState: null, exitCode: null, report: null, loaded: null, subjects: [] };
}

function nodeDir(options: SweepOptions, node: string): string {
  return path.join(options.out, node);
}

async function submit(node: string, options: SweepOptions): Promise<string> {
  const dir = nodeDir(options, node);
  const script = path.join(dir, JOB_SCRIPT);
  const command = [...options.mlcheck, 'run', '--json', path.join(dir, REPORT_FILE), '--out', path.join(dir, 'run'), ...options.runArgs];
  createJobScript(script, `#!/bin/sh\n# Written by mlcheck slurm sweep for ${node}.\nexec ${command.map(shellQuote).join(' ')}\n`);
  const out = await slurmOrThrow(
    'sbatch',
    ['--parsable', '--exclusive', '-N', '1', '-n', '1', `--nodelist=${node}`, `--time=${options.timeLimitMinutes}`, '--job-name=mlcheck-sweep', `--output=${path.join(dir, 'slurm-%j.out')}`, `--chdir=${dir}`, script],
    options,
  );
  const jobId = out.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch gave no job id for ${node}: ${out.trim()}`);
  return jobId;
}

async function queued(jobIds: readonly string[], options: RunSlurmOptions): Promise<Map<string, { state: string; reason: string }>> {
  const result = new Map<string, { state: string; reason: string }>();
  if (jobIds.length === 0) return result;
  const out = await runSlurmCommand('squeue', ['-h', '-j', jobIds.join(','), '-o', '%i|%T|%r'], options);
  for (const line of out.stdout.split('\n').filter(Boolean)) {
    const [id, state, reason] = line.split('|');
    if (id !== undefined && state !== undefined) result.set(id.trim(), { state: state.trim(), reason: (reason ?? '').trim() });
  }
  return result;
}

async function nodeResult(node: string, jobId: string, options: SweepOptions): Promise<SweepNode> {
  const job = await runSlurmCommand('scontrol', ['show', 'job', '-o', jobId], options);
  const jobState = /(?:^|\s)JobState=(\S+)/.exec(job.stdout)?.[1] ?? null;
  const exit = /(?:^|\s)ExitCode=(\d+):(\d+)/.exec(job.stdout);
  const exitCode = exit ? Number(exit[1]) : null;
  const reportFile = path.join(nodeDir(options, node), REPORT_FILE);
  const read = readSweepReport(reportFile, { jobId, node });
  const base = { node, jobId, jobState, exitCode, report: null, loaded: null, subjects: [] };
  switch (read.kind) {
    case 'report':
      return { ...base, report: reportFile, loaded: read.report, subjects: read.subjects, status: read.status, detail: read.summary };
    case 'refused':
      // Whatever the job did, this node's report cannot be believed: undecided, never a drain, and the other nodes are still judged.
      return { ...base, status: 'undecided', detail: `${reportFile} refused: it ${read.problem}` };
    default: {
      // A report that does not name this job and this node is not this sweep's: it decides nothing.
      const ignored = read.kind === 'foreign' ? `; ${reportFile} ignored: ${read.why}` : '';
      if (jobState === 'TIMEOUT') return { ...base, status: 'undecided', detail: `the job hit its time limit of ${options.timeLimitMinutes} min${ignored}` };
      if (jobState === 'CANCELLED' || jobState === null) return { ...base, status: 'not started', detail: `${jobState === null ? 'the job is no longer known to Slurm' : 'cancelled'}${ignored}` };
      return { ...base, status: 'undecided', detail: `job ${jobState} with exit code ${exitCode ?? '?'} and no report of this job (see ${path.join(nodeDir(options, node), `slurm-${jobId}.out`)})${ignored}` };
    }
  }
}
