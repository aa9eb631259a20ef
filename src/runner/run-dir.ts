import { existsSync, lstatSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UsageError } from '../util/errors.js';
import { checkTrustedPath } from '../util/trusted-path.js';
import type { CaseResult, RunSession } from '../references/results.js';
import type { CaseSpec, PlanRequest } from './types.js';

/**
 * The on-disk layout of one run, so that nothing finished is lost:
 *   run.json            the session and the plan, written before the first case starts
 *   cases/<case>.json   each finished case, written atomically the moment it ends
 *   artifacts/<case>/   files a case produced (PNGs)
 */
export interface RunState {
  session: RunSession;
  plan: CaseSpec[];
  /** What the operator asked for (absent in runs of mlcheck before 0.2): --resume refuses options that contradict it. */
  request?: PlanRequest;
}

const RUN_FILE = 'run.json';
const CASES_DIR = 'cases';

export function caseFileName(caseId: string): string {
  return `${caseId.replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`;
}

export function caseArtifactsDir(outDir: string, caseId: string): string {
  return path.join(outDir, 'artifacts', caseId.replace(/[^A-Za-z0-9_.-]+/g, '_'));
}

/**
 * Refuses a run directory that is a symbolic link, or that a user other than root or the
 * invoking one could change: the directory itself or a folder above it. Frameworks and kits
 * write into it by path (profiles, kit outputs), so another user who could swap it for a link
 * would choose where root writes.
 */
export function checkRunDirectory(outDir: string): void {
  const trust = checkTrustedPath(outDir);
  const problem = lstatSync(outDir).isSymbolicLink() ? `${outDir} is a symbolic link` : trust.trusted ? undefined : trust.problem;
  if (problem === undefined) return;
  throw new UsageError(`refusing the run directory ${outDir}: ${problem}`, {
    file: outDir,
    fix: ['give --out a folder that only root or you can write (a new folder under /var/tmp, say), or fix its owner and mode', 'see "Files mlcheck writes" in docs/security.md'],
  });
}

/** Removes an earlier run's state, case files, artifacts and report from a reused run directory. */
export function clearPreviousRun(outDir: string): void {
  // Only a directory an mlcheck run wrote (it has run.json) is cleared: --out may name any folder.
  if (!existsSync(path.join(outDir, RUN_FILE))) return;
  for (const entry of [RUN_FILE, CASES_DIR, 'artifacts', 'report.json']) rmSync(path.join(outDir, entry), { recursive: true, force: true });
}

export function writeRunState(state: RunState): void {
  writeFileAtomic(path.join(state.session.outDir, RUN_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

export function writeCaseResult(outDir: string, result: CaseResult): void {
  writeFileAtomic(path.join(outDir, CASES_DIR, caseFileName(result.id)), `${JSON.stringify(result, null, 2)}\n`);
}

export function readRunState(outDir: string): RunState {
  const file = path.join(outDir, RUN_FILE);
  if (!existsSync(file)) {
    throw new UsageError(`${outDir} is not an mlcheck run directory: ${file} does not exist`, {
      file,
      fix: 'pass the --out directory of an earlier `mlcheck run` to --resume',
    });
  }
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as RunState;
    if (!Array.isArray(state.plan) || typeof state.session?.id !== 'string') throw new Error('missing session or plan');
    return { ...state, plan: state.plan.map(withEngineOptions) };
  } catch (error) {
    throw new UsageError(`cannot read the run state ${file}: ${(error as Error).message}`, { file, cause: error });
  }
}

/** Every case file that parses; a case interrupted mid-run is returned too (the caller reruns it). */
export function readCaseResults(outDir: string): Map<string, CaseResult> {
  const dir = path.join(outDir, CASES_DIR);
  const results = new Map<string, CaseResult>();
  if (!existsSync(dir)) return results;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    try {
      const result = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as CaseResult;
      if (typeof result.id === 'string') results.set(result.id, result);
    } catch {
      // Atomic writes make a torn file impossible; anything unreadable is simply run again.
    }
  }
  return results;
}

/** A case planned by an mlcheck that kept the python engine's options under `python`, as a case's engine options now. */
function withEngineOptions(spec: CaseSpec & { python?: unknown }): CaseSpec {
  const { python, ...rest } = spec;
  return python === undefined || rest.engineOptions !== undefined ? rest : { ...rest, engineOptions: python };
}
