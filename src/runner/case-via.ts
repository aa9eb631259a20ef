import { engineOptionsDefinition } from '../engines/option-definitions.js';
import type { EngineInfo } from '../engines/types.js';
import type { CaseResult } from '../references/results.js';
import type { CaseSpec } from './types.js';

/**
 * Where a case ran when its engine ran it elsewhere than in mlcheck's own processes (the python
 * engine in a Jupyter kernel), as the record publishes it (`via` and its facts under that name):
 * what the engine said once it opened, else what its options asked for (a kernel that never
 * started still names the server and the kernel).
 */
export function caseVia(spec: CaseSpec, engine: EngineInfo | null): Pick<CaseResult, 'via' | 'jupyter'> {
  const via = engine?.via ?? plannedVia(spec);
  return via === undefined ? {} : ({ via: via.name, [via.name]: via.facts } as Pick<CaseResult, 'via' | 'jupyter'>);
}

function plannedVia(spec: CaseSpec): EngineInfo['via'] {
  try {
    return engineOptionsDefinition(spec.engine)?.plannedVia?.(spec.engineOptions);
  } catch {
    // Options the engine refuses: its case ends undecided with that error, and ran nowhere.
    return undefined;
  }
}
