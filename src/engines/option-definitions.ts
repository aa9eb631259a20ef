import type { EngineOptionsDefinition } from './engine-options.js';
import { pythonEngineOptions } from './python/engine-options.js';
import type { EngineId } from './types.js';

/**
 * The engines with options of their own, in the order `--help` lists them. Their definitions
 * load no framework: the CLI, the plan and the runner read them in the parent process.
 */
export const ENGINE_OPTION_DEFINITIONS: readonly EngineOptionsDefinition[] = [pythonEngineOptions];

/** An engine's options definition; undefined for an engine without options. */
export function engineOptionsDefinition(engine: EngineId): EngineOptionsDefinition | undefined {
  return ENGINE_OPTION_DEFINITIONS.find((definition) => definition.engine === engine);
}
