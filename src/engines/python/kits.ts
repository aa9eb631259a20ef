import path from 'node:path';
import { packageRoot } from '../../util/package-info.js';

/** The Python kits ship in the package (kits/python), beside dist/: read-only code, never generated. */
export const PYTHON_KITS_DIR = path.join(packageRoot, 'kits', 'python');

/** The protocol loop every case's interpreter runs (kits/python/host.py). */
export const HOST_SCRIPT = path.join(PYTHON_KITS_DIR, 'host.py');

/** Runs one of the manual's installed example scripts unchanged, dying with the case (kits/python/run_example.py). */
export const EXAMPLE_LAUNCHER = path.join(PYTHON_KITS_DIR, 'run_example.py');

/** Reports which frameworks an interpreter can import, with versions and devices (kits/python/describe.py). */
export const DESCRIBE_SCRIPT = path.join(PYTHON_KITS_DIR, 'describe.py');
