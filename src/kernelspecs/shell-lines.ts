/** A process proxy's `environ` or `submit` read as shell lines, or where it is not one. */
export type ShellLines = { lines: string[] } | { badIndex: number | null; found: string };

/**
 * The manual writes `environ` and `submit` as JSON arrays of shell lines
 * (`["source /etc/profile.d/modules.sh", "module load shared slurm ..."]`, `["sbatch --parsable"]`);
 * a single string is one line. Anything else names the element that is not a string
 * (badIndex) or the whole value (badIndex null).
 */
export function readShellLines(value: unknown): ShellLines {
  if (typeof value === 'string') return { lines: [value] };
  if (!Array.isArray(value)) return { badIndex: null, found: describeJsonValue(value) };
  const badIndex = value.findIndex((line) => typeof line !== 'string');
  return badIndex < 0 ? { lines: value as string[] } : { badIndex, found: describeJsonValue(value[badIndex]) };
}

function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}
