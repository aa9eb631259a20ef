import { InvalidArgumentError, Option, type Command } from 'commander';
import type { EngineOptionDeclaration } from '../engines/engine-options.js';
import { ENGINE_OPTION_DEFINITIONS } from '../engines/option-definitions.js';
import { DEFAULT_ENGINE_IDS, ENGINE_BACKENDS, ENGINE_IDS, type EngineId, type EngineOptions, type EngineOptionsByEngine } from '../engines/types.js';
import { describeError } from '../util/errors.js';
import type { CliContext } from './context.js';

/** An engine's parser as commander takes it: a value the engine refuses is an invalid argument (exit 2), its message on one line. */
export function commanderParser<T>(parse: (value: string, previous: T) => unknown): (value: string, previous: T) => unknown {
  return (value, previous) => {
    try {
      return parse(value, previous);
    } catch (error) {
      throw new InvalidArgumentError(describeError(error).split('\n').join('; '));
    }
  };
}

function engineOption(declaration: EngineOptionDeclaration): Option {
  const option = new Option(declaration.flags, declaration.description);
  if (declaration.parse !== undefined) option.argParser(commanderParser(declaration.parse));
  if (declaration.choices !== undefined) option.choices(declaration.choices);
  if (declaration.default !== undefined) option.default(declaration.default);
  return option;
}

/** Every engine's own options, as each engine declares them (engines/<id>/cli-options.ts), for `run` and `bench`. */
export function addEngineOptions(command: Command): Command {
  for (const definition of ENGINE_OPTION_DEFINITIONS) for (const declaration of definition.declarations) command.addOption(engineOption(declaration));
  return command;
}

/** The engines' options by the names commander stores them under (how `--resume` tells which were given). */
export const ENGINE_OPTION_NAMES: readonly string[] = ENGINE_OPTION_DEFINITIONS.flatMap((definition) => definition.declarations.map((declaration) => new Option(declaration.flags).attributeName()));

/** How --resume names the engines' options when they contradict the resumed run. */
export const ENGINE_OPTIONS_LABEL = ENGINE_OPTION_DEFINITIONS.map((definition) => `the ${definition.engine} options`).join(', ');

export interface EngineSelection {
  engines: EngineId[];
  engineOptions?: EngineOptionsByEngine;
}

/**
 * Chooses the engines and each one's options. Without --engine, an engine's own options select it
 * alone, and a backend of an engine that does not run by default selects it beside the default
 * engines whose backends are named. An engine's options given while it does not run are bad usage;
 * each engine that runs turns its options into its own (checked now: exit 2 before anything runs).
 */
export async function selectEngines(flags: object, named: readonly EngineId[], backends: readonly string[], context: CliContext): Promise<EngineSelection> {
  const values = flags as Readonly<Record<string, unknown>>;
  const given = ENGINE_OPTION_DEFINITIONS.filter((definition) => definition.given(values)).map((definition) => definition.engine);
  const engines = named.length > 0 ? [...named] : given.length > 0 ? given : enginesOfBackends(backends);
  const engineOptions: Partial<Record<EngineId, EngineOptions>> = {};
  for (const definition of ENGINE_OPTION_DEFINITIONS) {
    if (!engines.includes(definition.engine)) {
      if (given.includes(definition.engine)) throw definition.withoutEngine();
      continue;
    }
    engineOptions[definition.engine] = await definition.resolve(values, { backends, env: process.env, note: (line) => context.err(`mlcheck: ${line}`) });
  }
  return { engines, ...(Object.keys(engineOptions).length > 0 && { engineOptions }) };
}

/** `--backend pytorch-cpu --backend wasm` without --engine: python, and the default engines the other backends belong to. */
function enginesOfBackends(backends: readonly string[]): EngineId[] {
  const hasBackend = (engine: EngineId): boolean => backends.some((backend) => ENGINE_BACKENDS[engine].includes(backend));
  const optIn = ENGINE_IDS.filter((engine) => !DEFAULT_ENGINE_IDS.includes(engine) && hasBackend(engine));
  return optIn.length === 0 ? [] : [...optIn, ...DEFAULT_ENGINE_IDS.filter(hasBackend)];
}
