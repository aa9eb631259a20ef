/**
 * The modules a process proxy's `environ` loads before the kernel starts, e.g.
 * "module load shared slurm jupyter-eg-kernel-slurm-py37 tensorflow-py37-cuda10.1-gcc": every
 * name after `module load` / `module add` / Lmod's `ml`, in each command of the snippet.
 */
export function modulesInEnviron(environ: string): string[] {
  const names: string[] = [];
  for (const command of environ.split(/;|&&|\|\||\||\n/)) {
    const words = command.trim().split(/\s+/).map(unquote).filter((word) => word !== '');
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) words.shift();
    let rest: string[] = [];
    if (words[0] === 'module' && (words[1] === 'load' || words[1] === 'add')) rest = words.slice(2);
    else if (words[0] === 'ml') rest = words[1] === 'load' || words[1] === 'add' ? words.slice(2) : words.slice(1);
    names.push(...rest.filter((word) => !word.startsWith('-')));
  }
  return names;
}

function unquote(word: string): string {
  return word.replace(/^(['"])(.*)\1$/, '$2');
}
