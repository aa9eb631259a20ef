/** Lmod's `ml` subcommands that load nothing (`ml NAME...` itself loads, `ml -NAME` unloads). */
const ML_OTHER_COMMANDS = new Set(['avail', 'av', 'list', 'purge', 'spider', 'show', 'display', 'help', 'whatis', 'keyword', 'save', 'savelist', 'restore', 'reset', 'describe', 'disable', 'unload', 'del', 'delete', 'rm', 'remove', 'swap', 'sw', 'switch', 'use', 'unuse', 'refresh', 'reload', 'update', 'is-loaded', 'is-avail', 'overview', 'table', 'try-load', 'try-add', 'gr', 'mcc', 'record', 'config', 'category']);

/**
 * The modules a process proxy's `environ` loads before the kernel starts. The manual writes it as
 * a list of shell lines (`["source /etc/profile.d/modules.sh", "module load shared slurm
 * jupyter-eg-kernel-slurm-py37 tensorflow-py37-cuda10.1-gcc"]`); a single string is accepted too.
 * Every name after `module load` / `module add` (options such as `-f` skipped) and Lmod's `ml` /
 * `ml load`, in each command of each line (`;`, `&&`, `||`, `|`, newlines), in order. Other lines
 * (`source ...`, `module purge`, `export X=1`) load nothing; `try-load` may fail, so it is not counted.
 */
export function modulesInEnviron(environ: string | readonly string[]): string[] {
  const names: string[] = [];
  const text = typeof environ === 'string' ? environ : environ.join('\n');
  for (const command of text.split(/;|&&|\|\||\||\n/)) {
    const words = command.trim().split(/\s+/).map(unquote).filter((word) => word !== '');
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) words.shift();
    let rest: string[] = [];
    if (words[0] === 'module') {
      const args = words.slice(1);
      // `module -s load x`: options may come before the subcommand.
      while (args[0]?.startsWith('-')) args.shift();
      if (args[0] === 'load' || args[0] === 'add') rest = args.slice(1);
    } else if (words[0] === 'ml') {
      const first = words[1];
      if (first === 'load' || first === 'add') rest = words.slice(2);
      else if (first !== undefined && !ML_OTHER_COMMANDS.has(first)) rest = words.slice(1);
    }
    names.push(...rest.filter((word) => !word.startsWith('-')));
  }
  return names;
}

function unquote(word: string): string {
  return word.replace(/^(['"])(.*)\1$/, '$2');
}
