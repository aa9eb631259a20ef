import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Ajv2020, AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { parse as parseYaml } from 'yaml';
import { UsageError } from './errors.js';
import { packageRoot } from './package-info.js';

/**
 * Every file mlcheck reads as configuration or as another run's output has a JSON Schema in
 * schema/ (draft 2020-12), checked here with ajv. A mistake is reported one way everywhere:
 * the file, the key path (`nodeClasses[1].match.gpu`), what was expected there and what was found.
 */
export type SchemaName = 'report' | 'profiles' | 'nodes' | 'expected-labels' | 'dataset' | 'model' | 'model-registry-entry' | 'xid' | 'gpu-health' | 'probe-health' | 'onnx-cuda-packages';

export const schemaFile = (name: SchemaName): string => path.join(packageRoot, 'schema', `${name}.schema.json`);

/** One way a document breaks its schema. */
export interface SchemaProblem {
  /** Key path in the document, e.g. `nodeClasses[1].references.quick`; `the top level` for the document itself. */
  path: string;
  expected: string;
  found: string;
}

/** What a configuration file is, for messages: `node reference file`, `dataset manifest`. */
export interface ConfigFileKind {
  schema: SchemaName;
  what: string;
  /** How to repair such a file (a command, or an example to copy). */
  fix?: string;
}

// ajv and yaml load on first use: together they cost a case process and `mlcheck --version`
// about 0.2 s of start-up, which a seconds-long smoke check cannot spare.
const require = createRequire(import.meta.url);
const loadAjv = (): typeof Ajv2020 => (require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 }).Ajv2020;
const loadYamlParser = (): typeof parseYaml => (require('yaml') as { parse: typeof parseYaml }).parse;

/** Two registries: one that finds every mistake (configuration files), one that stops at the first (untrusted documents). */
const registries = new Map<boolean, Ajv2020>();
const validators = new Map<string, ValidateFunction>();

function schemaRegistry(allErrors: boolean): Ajv2020 {
  const existing = registries.get(allErrors);
  if (existing) return existing;
  // verbose: errors carry the failing sub-schema (for its `expected` text) and the value found.
  const ajv = new (loadAjv())({ allErrors, strict: true, allowUnionTypes: true, verbose: true });
  registries.set(allErrors, ajv);
  ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
  ajv.addFormat('regex', (source: string) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  });
  const dir = path.join(packageRoot, 'schema');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.schema.json')).sort()) {
    ajv.addSchema(JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as AnySchemaObject);
  }
  return ajv;
}

function validator(name: SchemaName, allErrors: boolean): ValidateFunction {
  const key = `${name} ${allErrors}`;
  let validate = validators.get(key);
  if (!validate) {
    const registry = schemaRegistry(allErrors);
    const id = (JSON.parse(readFileSync(schemaFile(name), 'utf8')) as { $id: string }).$id;
    validate = registry.getSchema(id);
    if (!validate) throw new Error(`schema ${id} (${schemaFile(name)}) did not compile`);
    validators.set(key, validate);
  }
  return validate;
}

export interface SchemaProblemsOptions {
  /**
   * Stop at the first mistake: for a document someone else may have crafted (another node's
   * report), where collecting every mistake of a list of millions of wrong items would take
   * minutes. Default false: a configuration file's author wants to see them all.
   */
  firstOnly?: boolean;
}

/** Every way `document` breaks the schema (or with firstOnly the first found), most specific first; empty when it conforms. */
export function schemaProblems(name: SchemaName, document: unknown, options: SchemaProblemsOptions = {}): SchemaProblem[] {
  const validate = validator(name, options.firstOnly !== true);
  if (validate(document)) return [];
  const errors = (validate.errors ?? []).filter((error) => !WRAPPER_KEYWORDS.has(error.keyword));
  const seen = new Set<string>();
  return errors
    .map((error) => describeSchemaError(error, document))
    .filter((problem) => {
      const key = `${problem.path}\0${problem.expected}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Checks a parsed configuration document; the first problem is thrown as a usage error (exit 2). */
export function checkConfigDocument<T>(document: unknown, file: string, kind: ConfigFileKind): T {
  const [problem] = schemaProblems(kind.schema, document);
  if (problem) throwConfigProblem(file, kind, problem);
  return document as T;
}

/** Reads, parses (JSON for a .json file, else YAML) and checks a configuration file. */
export function readConfigFile<T>(file: string, kind: ConfigFileKind): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ${kind.what} ${file}: ${(error as Error).message}`, { file, ...(kind.fix !== undefined && { fix: kind.fix }), cause: error });
  }
  return parseConfigText<T>(text, file, kind);
}

export function parseConfigText<T>(text: string, file: string, kind: ConfigFileKind): T {
  const format = file.endsWith('.json') ? 'JSON' : 'YAML';
  let document: unknown;
  try {
    document = format === 'JSON' ? JSON.parse(text) : loadYamlParser()(text);
  } catch (error) {
    throw new UsageError(`invalid ${format} in the ${kind.what} ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  return checkConfigDocument<T>(document, file, kind);
}

/** For the few rules a schema cannot state (an id used twice): the same message as a schema mistake. */
export function throwConfigProblem(file: string, kind: ConfigFileKind, problem: SchemaProblem): never {
  throw new UsageError(`invalid ${kind.what} ${file} at ${problem.path}`, {
    file,
    expected: problem.expected,
    found: problem.found,
    fix: kind.fix ?? `see ${path.relative(packageRoot, schemaFile(kind.schema))} in the mlcheck package for the format`,
  });
}

/** Errors that only say "a branch below failed"; the branch's own error says more. */
const WRAPPER_KEYWORDS = new Set(['if', 'anyOf', 'oneOf', 'allOf', 'propertyNames']);

function describeSchemaError(error: ErrorObject, document: unknown): SchemaProblem {
  const segments = pointerSegments(error.instancePath);
  const parent = (error.parentSchema ?? {}) as AnySchemaObject;
  const params = error.params as Record<string, unknown>;
  if (error.propertyName !== undefined) {
    segments.push(error.propertyName);
    return { path: keyPath(segments, document), expected: expectedText(error, parent), found: JSON.stringify(error.propertyName) };
  }
  switch (error.keyword) {
    case 'required': {
      const key = String(params.missingProperty);
      return { path: keyPath([...segments, key], document), expected: declaredProperty(parent, key)?.expected ?? `a "${key}" key`, found: 'nothing' };
    }
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(params.additionalProperty ?? params.unevaluatedProperty);
      const known = knownKeys(parent);
      return {
        path: keyPath([...segments, key], document),
        expected: known.length > 0 ? `one of the keys ${known.join(', ')}` : 'no such key',
        found: `an unknown key "${key}"`,
      };
    }
    default:
      return { path: keyPath(segments, document), expected: expectedText(error, parent), found: JSON.stringify(error.data) ?? 'nothing' };
  }
}

function expectedText(error: ErrorObject, parent: AnySchemaObject): string {
  if (typeof parent.expected === 'string') return parent.expected;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return alternatives(String(params.type).split(',').map((type) => TYPE_NAMES[type] ?? type));
    case 'enum':
      return alternatives((params.allowedValues as unknown[]).map(String));
    case 'const':
      return JSON.stringify(params.allowedValue);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `a number ${String(params.comparison)} ${String(params.limit)}`;
    case 'minLength':
      return params.limit === 1 ? 'a non-empty string' : `at least ${String(params.limit)} characters`;
    case 'minItems':
    case 'maxItems':
      return `a list of ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${String(params.limit)} items`;
    case 'minProperties':
      return `a mapping with at least ${String(params.limit)} key${params.limit === 1 ? '' : 's'}`;
    case 'pattern':
      return `text matching /${String(params.pattern)}/`;
    case 'format':
      return params.format === 'regex' ? 'a valid regular expression' : `a valid ${String(params.format)}`;
    default:
      return error.message ?? 'something else';
  }
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  null: 'null',
};

function alternatives(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`;
}

/** The keys an object schema declares (a property that is a $ref carries its own `expected` beside it). */
function knownKeys(schema: AnySchemaObject): string[] {
  return Object.keys((schema.properties as object | undefined) ?? {});
}

function declaredProperty(schema: AnySchemaObject, key: string): { expected?: string } | undefined {
  return (schema.properties as Record<string, { expected?: string }> | undefined)?.[key];
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `nodeClasses[1].match.gpu`: list positions in brackets, keys after dots, as the files are written. */
function keyPath(segments: readonly string[], document: unknown): string {
  let text = '';
  let node: unknown = document;
  for (const segment of segments) {
    text += Array.isArray(node) ? `[${segment}]` : text === '' ? segment : `.${segment}`;
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return text === '' ? 'the top level' : text;
}
