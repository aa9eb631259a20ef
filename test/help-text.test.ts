import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliPath } from './helpers/paths.js';

function help(...command: string[]): string {
  const run = spawnSync(process.execPath, [cliPath, ...command, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80' } });
  expect(run.status).toBe(0);
  return run.stdout;
}

/** The description: the paragraphs between the usage line and the first section heading. */
function descriptionParagraphs(text: string): string[][] {
  const lines = text.split('\n');
  const end = lines.findIndex((line, i) => i > 0 && /^(Arguments|Options|Commands):$/.test(line));
  return lines
    .slice(1, end)
    .join('\n')
    .trim()
    .split(/\n\n/)
    .map((paragraph) => paragraph.split('\n'));
}

const commands = [['compare'], ['classify'], ['probe'], ['frameworks'], ['setup'], ['datasets'], ['datasets', 'list'], ['datasets', 'fetch'], ['datasets', 'verify'], ['slurm', 'check'], ['slurm', 'sweep'], ['jupyter', 'kernels']];

describe('help text at 80 columns', () => {
  it.each(commands)('%s %s: paragraphs are wrapped, never broken mid-sentence, and end with working-looking examples', (...command) => {
    const text = help(...command);
    for (const paragraph of descriptionParagraphs(text)) {
      paragraph.forEach((line, i) => {
        // Commander wraps at the help width minus one.
        expect(line.length, line).toBeLessThan(80);
        const nextWord = paragraph[i + 1]?.split(' ')[0];
        // A line ends early only when the next word would not have fit on it.
        if (nextWord !== undefined) expect(line.length + 1 + nextWord.length, `${line} / ${nextWord}`).toBeGreaterThan(79);
      });
    }
    const examples = text.slice(text.indexOf('\nExamples:\n') + '\nExamples:\n'.length).trimEnd().split('\n');
    expect(text).toContain('\nExamples:\n');
    const commandLines = examples.filter((line) => /^ {2}mlcheck /.test(line));
    expect(commandLines.length).toBeGreaterThan(0);
    for (const line of commandLines) expect(line.startsWith(`  mlcheck ${command[0]}`) || line.startsWith('  mlcheck run '), line).toBe(true);
    for (const line of examples) expect(line, line).toMatch(/^ {2}(# |mlcheck | {4}--)/);
  });

  it('datasets --help lists its commands by their one-line summaries, without repeating the lookup order', () => {
    const text = help('datasets');
    expect(text.match(/Lookup order/g)).toHaveLength(1);
    const commandsSection = text.slice(text.indexOf('Commands:'), text.indexOf('Examples:')).trimEnd();
    expect(commandsSection).toMatch(/^ {2}fetch \[options\] <id\.\.\.> +stage verified copies \(data dir or cache\)$/m);
    // One line per command: no blank line, no wrapped continuation.
    for (const line of commandsSection.split('\n').slice(1)) expect(line, line).toMatch(/^ {2}(list|fetch|verify|help) /);
  });
});
