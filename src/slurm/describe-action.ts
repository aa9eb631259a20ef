import type { NodeAction } from './drain-policy.js';

/** What was done to the node ("drained node001: ..."), or with `dryRun` what would be ("would drain node001: ..."). */
export function describeAction(node: string, action: NodeAction, dryRun = false): string {
  switch (action.kind) {
    case 'drain':
      return `${dryRun ? 'would drain' : 'drained'} ${node}: ${action.reason}`;
    case 'resume':
      return `${dryRun ? 'would resume' : 'resumed'} ${node} (${action.why})`;
    case 'none':
      return action.why;
  }
}
