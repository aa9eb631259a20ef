import { engineOptionsDefinition } from '../engines/option-definitions.js';
import type { CaseSecrets } from './case-protocol.js';
import type { CaseSpec } from './types.js';

/**
 * The secrets a case needs, read by the runner as its engine's options say (a case in a Jupyter
 * kernel: the server's token, from --jupyter-token-file, or JUPYTER_TOKEN as the CLI withheld it
 * from the environment). A secret that cannot be read now (a token file removed since the run
 * began) is left out: the case then reads it itself and ends undecided with that error.
 */
export function caseSecrets(spec: CaseSpec): CaseSecrets {
  const definition = engineOptionsDefinition(spec.engine);
  if (definition?.caseSecrets === undefined) return {};
  try {
    return definition.caseSecrets(spec.engineOptions);
  } catch {
    return {};
  }
}
