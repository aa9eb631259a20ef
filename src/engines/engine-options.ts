import type { EngineId, EngineOptions, EngineSecrets, EngineVia } from './types.js';

/** One command-line option an engine declares; src/cli turns it into a commander option. */
export interface EngineOptionDeclaration {
  /** As commander takes them, e.g. `--modules <names>`. */
  flags: string;
  /** The help text. */
  description: string;
  /** Parses one occurrence, given the value so far (a repeatable option); throws an MlcheckError saying what is wrong (exit 2). */
  parse?: (value: string, previous: unknown) => unknown;
  choices?: readonly string[];
  default?: string;
}

/** How the CLI asks an engine to turn its options into the engine's options. */
export interface ResolveContext {
  /** Every --backend given (for all engines). */
  backends: readonly string[];
  env: NodeJS.ProcessEnv;
  /** A line for the operator (printed on stderr after `mlcheck: `); the engine never prints. */
  note(line: string): void;
}

/**
 * An engine's options end to end, declared by the engine and composed by the CLI, the plan and
 * the runner without loading the engine's framework: the command-line options with their help
 * and parsing, how they become the engine's options, and what the plan and the runner may ask
 * of those options.
 */
export interface EngineOptionsDefinition {
  readonly engine: EngineId;
  /** In the order `--help` lists them. */
  readonly declarations: readonly EngineOptionDeclaration[];
  /** Whether the operator gave any of these options (parsed values by commander's attribute name): they select the engine when no --engine is named. */
  given(values: Readonly<Record<string, unknown>>): boolean;
  /** The usage error for these options given while another engine was named. */
  withoutEngine(): Error;
  /** The engine's options from the parsed values, each checked before anything runs (a bad one is a UsageError, exit 2). */
  resolve(values: Readonly<Record<string, unknown>>, context: ResolveContext): Promise<EngineOptions>;
  /** The backends the plan runs without --backend (one case each); undefined: the engine's GPU backend on a GPU node, else its best available. */
  plannedBackends?(options: EngineOptions, gpuPresent: boolean): readonly string[] | undefined;
  /** The secrets a case with these options needs, read by the runner before the case starts; throws when one cannot be read. */
  caseSecrets?(options: EngineOptions): EngineSecrets;
  /** Where a case with these options runs, for its record even when its engine never opened (EngineInfo.via once it did). */
  plannedVia?(options: EngineOptions): EngineVia | undefined;
}
