import { findBash, findModulesInit } from './modules-init.js';
import { validateModuleName } from './module-names.js';
import { untrustedModuleSource } from './module-sources.js';
import { runProcess } from './run-process.js';

/**
 * Loads environment modules the way an operator's job script does (`module load a b c` in bash),
 * then reads the environment they made. The script below is constant: the init script, the
 * directories and the module names reach it only as positional arguments ("$@"), never inside
 * the script text, so no name is ever parsed by a shell. Markers on stderr say which module
 * failed; what `module` itself printed is kept for the message.
 */
const LOAD_SCRIPT = [
  'init=$1; shift',
  'path_count=$1; shift',
  'args=("$@")',
  'set --',
  '. "$init" >/dev/null 2>&1',
  'if ! type module >/dev/null 2>&1; then',
  "  printf '\\n@mlcheck-no-module-command\\n' >&2",
  '  exit 97',
  'fi',
  'i=0',
  'while [ "$i" -lt "$path_count" ]; do',
  '  module use "${args[$i]}"',
  '  i=$((i + 1))',
  'done',
  'for name in "${args[@]:$path_count}"; do',
  "  printf '\\n@mlcheck-loading %s\\n' \"$name\" >&2",
  '  module load "$name"',
  '  status=$?',
  // The exit status alone is not trusted (some Lmod configurations return 1 after a good
  // load): the module must be among the loaded ones.
  '  case ":${LOADEDMODULES:-}:" in',
  '    *":$name:"* | *":$name/"*) ;;',
  "    *) printf '\\n@mlcheck-failed %s\\n' \"$status\" >&2; exit 3 ;;",
  '  esac',
  'done',
  "printf '\\n@mlcheck-loaded\\n' >&2",
  'exec env -0',
].join('\n');

const LOAD_TIMEOUT_MS = 120_000;

export type ModuleLoad =
  | {
      ok: true;
      env: NodeJS.ProcessEnv;
      /** LOADEDMODULES afterwards, e.g. ["shared", "pytorch-py37-cuda10.2-gcc/1.13.1"]. */
      loaded: string[];
      initScript: string | null;
    }
  | {
      ok: false;
      /** The module that did not load; null when the module system itself is missing or broken. */
      module: string | null;
      /** What went wrong, with `module`'s own stderr. */
      reason: string;
      /** The init script or a --module-path was refused (others can write it): nothing was run. */
      refused?: true;
    };

export interface LoadModulesOptions {
  modules: readonly string[];
  modulePaths?: readonly string[];
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Loads the modules in order; with none to load, the environment is returned as it is. */
export async function loadModules(options: LoadModulesOptions): Promise<ModuleLoad> {
  const modulePaths = options.modulePaths ?? [];
  if (options.modules.length === 0 && modulePaths.length === 0) return { ok: true, env: { ...options.env }, loaded: splitLoaded(options.env.LOADEDMODULES), initScript: null };
  for (const name of options.modules) validateModuleName(name);
  const init = findModulesInit(options.env);
  if (init.script === null) {
    return {
      ok: false,
      module: null,
      reason: `cannot load ${options.modules.join(' ')}: neither Environment Modules nor Lmod is installed here (no bash init script in ${init.searched.join(', ')}). Fix: install environment-modules or Lmod, or set MODULESHOME`,
    };
  }
  const refusal = untrustedModuleSource({ initScript: init.script, modulePaths });
  if (refusal !== null) return { ok: false, module: null, reason: refusal, refused: true };
  const result = await runProcess(findBash(options.env), ['--noprofile', '--norc', '-c', LOAD_SCRIPT, 'mlcheck-modules', init.script, String(modulePaths.length), ...modulePaths, ...options.modules], {
    env: options.env,
    timeoutMs: options.timeoutMs ?? LOAD_TIMEOUT_MS,
    ...(options.signal && { signal: options.signal }),
  });
  if (result.spawnError !== null) return { ok: false, module: null, reason: `cannot run bash to load modules: ${result.spawnError}` };
  const markers = parseMarkers(result.stderr);
  if (result.exitCode === 0 && markers.loaded) {
    const env = parseEnvironment(result.stdout);
    return { ok: true, env, loaded: splitLoaded(env.LOADEDMODULES), initScript: init.script };
  }
  if (markers.noModuleCommand) return { ok: false, module: null, reason: `${init.script} did not define a \`module\` command in bash. Fix: check the Environment Modules / Lmod installation, or set MODULESHOME` };
  const current = markers.loading;
  const said = markers.output.length > 0 ? `\n  module said:\n${markers.output.map((line) => `    ${line}`).join('\n')}` : '\n  module printed nothing';
  if (result.timedOut) return { ok: false, module: current, reason: `module load ${current ?? ''} did not finish within ${(options.timeoutMs ?? LOAD_TIMEOUT_MS) / 1000} s (a hung file system?)${said}` };
  if (current !== null) {
    return {
      ok: false,
      module: current,
      reason: `module load ${current} failed${markers.status !== null ? ` (exit status ${markers.status})` : ''}, with ${init.script}${said}\n  fix: list what is available with \`module -t avail\`; check the name, and MODULEPATH or --module-path`,
    };
  }
  return { ok: false, module: null, reason: `loading modules failed before the first load (exit ${result.exitCode ?? result.signal})${said}` };
}

interface Markers {
  /** The module being loaded when the script stopped (the last @mlcheck-loading). */
  loading: string | null;
  status: string | null;
  loaded: boolean;
  noModuleCommand: boolean;
  /** Lines `module` printed while loading that module (or before any marker). */
  output: string[];
}

function parseMarkers(stderr: string): Markers {
  const markers: Markers = { loading: null, status: null, loaded: false, noModuleCommand: false, output: [] };
  for (const line of stderr.split('\n')) {
    if (line.startsWith('@mlcheck-loading ')) {
      markers.loading = line.slice('@mlcheck-loading '.length);
      markers.output = [];
    } else if (line.startsWith('@mlcheck-failed ')) markers.status = line.slice('@mlcheck-failed '.length);
    else if (line === '@mlcheck-loaded') markers.loaded = true;
    else if (line === '@mlcheck-no-module-command') markers.noModuleCommand = true;
    else if (line.trim() !== '') markers.output.push(line.trimEnd());
  }
  markers.output = markers.output.slice(-40);
  return markers;
}

/** `env -0` output: NAME=value records separated by NUL (values may hold newlines). */
export function parseEnvironment(output: Buffer): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const record of output.toString('utf8').split('\0')) {
    const equals = record.indexOf('=');
    if (equals <= 0) continue;
    const name = record.slice(0, equals);
    // bash's own bookkeeping, not part of the module environment.
    if (name === '_' || name === 'SHLVL' || name === 'OLDPWD') continue;
    env[name] = record.slice(equals + 1);
  }
  return env;
}

function splitLoaded(value: string | undefined): string[] {
  return (value ?? '').split(':').filter((name) => name !== '');
}
