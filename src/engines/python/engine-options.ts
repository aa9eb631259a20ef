import { UsageError } from '../../util/errors.js';
import type { EngineOptionsDefinition } from '../engine-options.js';
import type { EngineSecrets } from '../types.js';
import { pythonBackendsFor } from './backends.js';
import { jupyterOptionGiven, localOptionGiven, PYTHON_OPTION_DECLARATIONS, type PythonFlags } from './cli-options.js';
import { jupyterVia, unstartedKernelFacts } from './jupyter/target.js';
import { JUPYTER_TOKEN_SECRET, readJupyterToken } from './jupyter/token.js';
import { readPythonOptions } from './options.js';
import { resolvePythonOptions } from './resolve-options.js';

/**
 * The python engine's options for the CLI, the plan and the runner: its flags select it (they
 * are python's alone), become PythonOptions, plan one case per framework, give a case in a
 * kernel the server's token, and name the kernel on the case's record.
 */
export const pythonEngineOptions: EngineOptionsDefinition = {
  engine: 'python',
  declarations: PYTHON_OPTION_DECLARATIONS,
  given: (values) => localOptionGiven(values as PythonFlags) || jupyterOptionGiven(values as PythonFlags),
  withoutEngine: () => new UsageError('--modules, --module-path, --python, --kit, --examples-dir, --jupyter and --kernel are python engine options', { fix: 'add --engine python' }),
  resolve: (values, context) => resolvePythonOptions(values as PythonFlags, context),
  plannedBackends(options, gpuPresent) {
    const { frameworks } = readPythonOptions(options);
    return pythonBackendsFor(frameworks?.length ? frameworks : ['pytorch'], gpuPresent);
  },
  caseSecrets(options): EngineSecrets {
    const target = readPythonOptions(options).jupyter;
    if (target === undefined) return {};
    return { [JUPYTER_TOKEN_SECRET]: readJupyterToken({ tokenFile: target.tokenFile }).token };
  },
  plannedVia(options) {
    const target = readPythonOptions(options).jupyter;
    // Before the kernel started (EngineInfo.via says more once it did).
    return target === undefined ? undefined : jupyterVia(unstartedKernelFacts(target));
  },
};
