import path from 'node:path';
import { findOnPath, isExecutableFile } from '../../util/executable-on-path.js';
import { RequirementError } from '../../util/errors.js';

/** What the python engine runs when --python does not say: the first `python3` on PATH (after the modules). */
export const DEFAULT_INTERPRETER = 'python3';

/**
 * The interpreter to run: `requested` as it is (a path, or a command looked up on the module
 * environment's PATH), else `python3` on that PATH. A missing one is a stated requirement of
 * the case, so the case is skipped with where it was looked for.
 */
export function resolveInterpreter(requested: string | undefined, env: NodeJS.ProcessEnv, modules: readonly string[]): string {
  const wanted = requested ?? DEFAULT_INTERPRETER;
  const after = modules.length > 0 ? ` after loading ${modules.join(' ')}` : '';
  if (wanted.includes('/')) {
    const file = path.resolve(wanted);
    if (isExecutableFile(file)) return file;
    throw new RequirementError(`the Python interpreter ${file} (--python) is not an executable file`, { file, fix: 'pass the path of a python3 executable with --python' });
  }
  const found = findOnPath(wanted, env.PATH);
  if (found !== null) return found;
  throw new RequirementError(`no ${wanted} on PATH${after}`, {
    found: `PATH=${env.PATH ?? ''}`,
    fix: [`load the framework's module with --modules, or name the interpreter with --python /path/to/${wanted}`],
  });
}
