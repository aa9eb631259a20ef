import { slurmOrThrow, type RunSlurmOptions } from './commands.js';

export interface SlurmNodeState {
  name: string;
  /** Base state and flags, lower case: "idle+drain" -> ["idle", "drain"]. */
  states: string[];
  /** The drain/down reason without Slurm's "[user@time]" suffix; null when there is none. */
  reason: string | null;
}

/**
 * Parses one line of `scontrol show node -o NAME`: space-separated Key=Value pairs, with Reason
 * last, free text, followed by " [user@timestamp]".
 */
export function parseScontrolNodeLine(line: string): SlurmNodeState {
  const name = /(?:^|\s)NodeName=(\S+)/.exec(line)?.[1];
  const state = /(?:^|\s)State=(\S+)/.exec(line)?.[1];
  if (name === undefined || state === undefined) throw new Error(`cannot read a node from scontrol's output: ${line.slice(0, 200)}`);
  const reasonAt = line.search(/(?:^|\s)Reason=/);
  let reason: string | null = null;
  if (reasonAt >= 0) {
    const text = line.slice(line.indexOf('Reason=', reasonAt) + 'Reason='.length).trimEnd();
    reason = text.replace(/\s*\[[^\]]*@[^\]]*\]$/, '');
  }
  return { name, states: state.toLowerCase().split('+').filter(Boolean), reason };
}

export async function readNodeState(node: string, options: RunSlurmOptions = {}): Promise<SlurmNodeState> {
  const out = await slurmOrThrow('scontrol', ['show', 'node', '-o', node], options);
  const line = out.split('\n').find((l) => l.includes(`NodeName=${node} `) || l.includes(`NodeName=${node}\t`)) ?? out.split('\n')[0] ?? '';
  return parseScontrolNodeLine(line);
}

/** Drained, draining or down: not taking jobs, for whatever reason. */
export function isUnavailable(state: SlurmNodeState): boolean {
  return state.states.some((s) => ['drain', 'drained', 'draining', 'down', 'fail', 'failing', 'maint', 'future', 'power_down', 'powered_down', 'not_responding'].includes(s));
}
