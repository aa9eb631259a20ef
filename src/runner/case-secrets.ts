import { readJupyterToken } from '../engines/jupyter/token.js';
import type { CaseSecrets } from './case-protocol.js';
import type { CaseSpec } from './types.js';

/**
 * The secrets a case needs, read by the runner: a case in a Jupyter kernel gets the server's token
 * (from --jupyter-token-file, or JUPYTER_TOKEN as the CLI withheld it from the environment). A
 * token that cannot be read now (a token file removed since the run began) is left out: the case
 * then reads it itself and ends undecided with that error.
 */
export function caseSecrets(spec: CaseSpec): CaseSecrets {
  const target = spec.python?.jupyter;
  if (target === undefined) return {};
  try {
    return { jupyterToken: readJupyterToken({ tokenFile: target.tokenFile }).token };
  } catch {
    return {};
  }
}
