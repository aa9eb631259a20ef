import { sample } from '../report/prometheus.js';
import type { NodeAction } from './drain-policy.js';

const ACTIONS: readonly NodeAction['kind'][] = ['drain', 'resume', 'none'];

/** What `slurm check` did to its node, appended to the run's textfile. */
export function renderSlurmActionMetrics(node: string, action: NodeAction, succeeded: boolean): string {
  return [
    '# HELP mlcheck_slurm_action What the last `mlcheck slurm check` did to its node: 1 for the action taken, 0 for the others.',
    '# TYPE mlcheck_slurm_action gauge',
    ...ACTIONS.map((kind) => sample('mlcheck_slurm_action', { node, action: kind }, kind === action.kind ? 1 : 0)),
    '# HELP mlcheck_slurm_action_ok 1 when the action (scontrol update) succeeded or none was needed, 0 when it failed.',
    '# TYPE mlcheck_slurm_action_ok gauge',
    sample('mlcheck_slurm_action_ok', { node }, succeeded ? 1 : 0),
    '',
  ].join('\n');
}
