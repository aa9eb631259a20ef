import { slurmOrThrow, type RunSlurmOptions } from './commands.js';
import type { NodeAction } from './drain-policy.js';

/** The scontrol command line an action runs; `--dry-run` prints it instead. */
export function actionCommand(node: string, action: NodeAction): string[] | null {
  switch (action.kind) {
    case 'drain':
      return ['scontrol', 'update', `nodename=${node}`, 'state=drain', `reason=${action.reason}`];
    case 'resume':
      return ['scontrol', 'update', `nodename=${node}`, 'state=resume'];
    case 'none':
      return null;
  }
}

/** Applies a drain or resume through scontrol (argv, no shell). */
export async function applyNodeAction(node: string, action: NodeAction, options: RunSlurmOptions = {}): Promise<void> {
  const command = actionCommand(node, action);
  if (command === null) return;
  await slurmOrThrow('scontrol', command.slice(1), options);
}
