import { lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../util/errors.js';
import { checkTrustedPath } from '../util/trusted-path.js';

export interface DefaultRunFolderOptions {
  /** The folder mlcheck was started in (default: process.cwd()). */
  cwd?: string;
}

/** The folder the default run folders go in, below the working folder. */
export const DEFAULT_RUNS_FOLDER = 'mlcheck-runs';

/**
 * ./mlcheck-runs/<name>, made safe to write into as root: ./mlcheck-runs is created when missing
 * and refused (exit 2) when it is a symbolic link, or when it or a folder above it belongs to
 * someone other than root or the invoking user or is writable by others (a sticky /tmp on the way
 * is accepted: there nobody else can replace what root made). Nobody else can then create or
 * replace anything in it, so <name> itself is made by the runner.
 */
export function defaultRunFolder(name: string, options: DefaultRunFolderOptions = {}): string {
  const runs = path.resolve(options.cwd ?? process.cwd(), DEFAULT_RUNS_FOLDER);
  refuseLink(runs);
  const before = checkTrustedPath(runs);
  const missing = !before.trusted && before.offender === runs && before.uid === null;
  if (!before.trusted && !missing) refuse(runs, before.problem, before.fix);
  if (missing) {
    try {
      mkdirSync(runs, { mode: 0o755 });
    } catch (error) {
      // Someone made it in between: it is examined below like any existing one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`cannot create the run folder ${runs}: ${(error as Error).message}`, { file: runs, fix: 'pass --out <dir>' });
    }
    refuseLink(runs);
    const after = checkTrustedPath(runs);
    if (!after.trusted) refuse(runs, after.problem, after.fix);
  }
  return path.join(runs, name);
}

function refuseLink(runs: string): void {
  let target: string;
  try {
    if (!lstatSync(runs).isSymbolicLink()) return;
    target = readlinkSync(runs);
  } catch {
    return;
  }
  refuse(runs, `${runs} is a symbolic link (to ${target}); mlcheck writes its runs only into a real folder`, `remove the link ${runs} unless you made it`);
}

function refuse(runs: string, problem: string, fix: string): never {
  throw new UsageError(`refusing the default run folder ${runs}: ${problem}`, {
    file: runs,
    fix: [fix, 'or start mlcheck in a folder only root (or you) can write', 'or pass --out <dir> with a folder of your own'],
  });
}
