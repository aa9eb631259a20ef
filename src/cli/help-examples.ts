/**
 * An "Examples:" block for `.addHelpText('after', ...)`. Commander prints it as written, so each
 * example stays on one line; a comment goes on the line above its command.
 */
export function helpExamples(...examples: readonly (string | { comment: string; command: string })[]): string {
  const lines = examples.flatMap((example) => (typeof example === 'string' ? [`  ${example}`] : [`  # ${example.comment}`, `  ${example.command}`]));
  return `\nExamples:\n${lines.join('\n')}`;
}
