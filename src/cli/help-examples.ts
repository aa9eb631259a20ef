/**
 * An "Examples:" block for `.addHelpText('after', ...)`. Commander prints it as written, so a long
 * command is written with `\` line continuations (still a valid shell command when pasted), and
 * a comment goes on the line above its command.
 */
export function helpExamples(...examples: readonly (string | { comment: string; command: string })[]): string {
  const lines = examples.flatMap((example) => {
    const { comment, command } = typeof example === 'string' ? { comment: undefined, command: example } : example;
    const [first, ...continued] = command.split(' \\\n');
    return [...(comment === undefined ? [] : [`  # ${comment}`]), `  ${first!}${continued.length ? ' \\' : ''}`, ...continued.map((line, i) => `      ${line}${i < continued.length - 1 ? ' \\' : ''}`)];
  });
  return `\nExamples:\n${lines.join('\n')}`;
}
