import { createPrivateDirectory } from '../../util/private-directory.js';

/**
 * The flags every Python mlcheck starts is given, before the script or -c.
 *
 * -s: no user site-packages: under sudo, HOME (and so ~/.local/lib/pythonX.Y/site-packages) may
 *     still be the user's, and root would import what the user put there.
 * -B: no .pyc written beside the kits or the scripts.
 *
 * Not -I or -E: both drop PYTHONPATH, and the PYTHONPATH a framework module sets is how it
 * provides its framework (running under the node's modules is the point of the engine); the
 * environment itself is the invoking user's and the modules', which root trusts. Not -P either:
 * Python 3.10 and older refuse it, and the manual's modules are py37. Instead every Python runs in
 * a private working folder (pythonWorkingDirectory), which is what -P would protect: `-c` puts the
 * working folder first on sys.path, and so does an empty PYTHONPATH entry (PYTHONPATH=:/opt/x, what
 * `export PYTHONPATH=$PYTHONPATH:/opt/x` gives), so a json.py planted where root happened to start
 * mlcheck (a shared sweep folder, /tmp) would be imported as root.
 */
export const PYTHON_FLAGS: readonly string[] = ['-B', '-s'];

let workingDirectory: string | undefined;

/** An empty folder only this user can write, made once per process and removed at its exit: where every Python runs. */
export function pythonWorkingDirectory(): string {
  workingDirectory ??= createPrivateDirectory('mlcheck-python-');
  return workingDirectory;
}
