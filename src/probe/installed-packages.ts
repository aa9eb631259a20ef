import { spawnSync } from 'node:child_process';
import { parsePackageName } from './package-name.js';
import { MANUAL_PACKAGE_FAMILIES } from './packages-data.js';

export interface InstalledPackages {
  /** The manual's ML packages installed on this node, e.g. cm-tensorflow-py37-cuda10.1-gcc. */
  names: string[];
  /** The package databases that answered. */
  sources: Array<'rpm' | 'dpkg'>;
  /** Why a database that exists could not be read; absent tools are not errors. */
  errors: string[];
}

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started (ENOENT: not installed). */
  error?: NodeJS.ErrnoException;
}

export interface InstalledPackagesOptions {
  /** Runs a command; replaced in tests. */
  run?: (file: string, args: readonly string[]) => CommandResult;
}

const QUERIES: ReadonlyArray<{ source: 'rpm' | 'dpkg'; file: string; args: string[]; installed: (line: string) => string | null }> = [
  { source: 'rpm', file: 'rpm', args: ['-qa', '--qf', '%{NAME}\\n', 'cm-*'], installed: (line) => line.trim() || null },
  {
    source: 'dpkg',
    file: 'dpkg-query',
    args: ['-W', '-f', '${db:Status-Abbrev} ${Package}\\n', 'cm-*'],
    // "ii " is installed; "rc " (removed, config files left) is not.
    installed: (line) => (/^ii\s/.test(line) ? line.slice(3).trim() || null : null),
  },
];

/**
 * The manual's ML packages (cm-<framework>-...) installed on this node, from rpm and dpkg
 * (Bright ships both). Their rules then decide the run's exit code: a CUDA package on a node
 * whose GPUs fail, or a gcc8 package on a CPU without VNNI, is a node that will crash jobs.
 */
export function listInstalledManualPackages(options: InstalledPackagesOptions = {}): InstalledPackages {
  const run = options.run ?? runCommand;
  const names = new Set<string>();
  const sources: Array<'rpm' | 'dpkg'> = [];
  const errors: string[] = [];
  for (const query of QUERIES) {
    const result = run(query.file, query.args);
    if (result.error?.code === 'ENOENT') continue;
    if (result.error !== undefined) {
      errors.push(`${query.file}: ${result.error.message}`);
      continue;
    }
    // dpkg-query exits 1 with "no packages found matching" when nothing matches.
    const nothingMatched = result.status === 1 && /no packages found/i.test(result.stderr);
    if (result.status !== 0 && !nothingMatched) {
      errors.push(`${query.file} ${query.args.join(' ')} exited ${result.status}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
      continue;
    }
    sources.push(query.source);
    for (const line of result.stdout.split('\n')) {
      const name = query.installed(line);
      if (name !== null && isManualPackage(name)) names.add(name);
    }
  }
  return { names: [...names].sort(), sources, errors };
}

const FRAMEWORKS = new Set(MANUAL_PACKAGE_FAMILIES.map((family) => family.framework));

function isManualPackage(name: string): boolean {
  try {
    return FRAMEWORKS.has(parsePackageName(name).framework);
  } catch {
    return false;
  }
}

function runCommand(file: string, args: readonly string[]): CommandResult {
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ...(result.error && { error: result.error as NodeJS.ErrnoException }) };
}
