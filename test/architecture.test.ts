/**
 * docs/architecture.md's one rule, checked on the source: dependencies point down the layers,
 * there is no import cycle between modules nor between folders, and src/report/ names the
 * runner's types without calling it. Dynamic import() counts like a static import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/paths.js';

/** Bottom to top: a layer may import from itself and the layers before it. */
const LAYERS = ['util', 'native', 'probe', 'datasets', 'engines', 'kernelspecs', 'workloads', 'references', 'runner', 'report', 'check', 'slurm', 'cli'];

/** Dynamic imports of a module known only at run time (never a file of src/), each with why. */
const RUN_TIME_IMPORTS: Record<string, string> = {
  'engines/tfjs/optional-package.ts': 'an optional package, by its name',
  'runner/case-child.ts': 'the workload module a case names (test fixtures)',
  'runner/plan.ts': 'the workload modules a plan is given (test fixtures)',
};

/**
 * Folder cycles that exist and are to go; the test fails on any other, and on one of these once it
 * is gone (then delete it here). workloads/inception and workloads/installed: the installed
 * examples read inception's model and labels, and inception's python run starts the installed
 * example; issue 20's item 2 reshapes both.
 */
const KNOWN_FOLDER_CYCLES = ['workloads/inception -> workloads/installed -> workloads/inception'];

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
  dynamic: boolean;
}

/**
 * The relative imports of one file (paths relative to src/): `import`/`export ... from`, and
 * `import()` of a string literal or of a `const` bound to one in the same file. An import() of
 * anything else cannot be followed and is listed in `unresolved`. Comment lines are skipped.
 */
function importsOf(file: string, text: string): { imports: Import[]; unresolved: string[] } {
  const code = text
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
    .join('\n');
  const resolve = (specifier: string): string => path.join(path.dirname(file), specifier.replace(/\.js$/, '.ts'));
  const imports: Import[] = [...code.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'(\.{1,2}\/[^']+)';/gm)].map((match) => ({
    from: file,
    to: resolve(match[2]!),
    typeOnly: match[1] !== undefined,
    dynamic: false,
  }));
  const unresolved: string[] = [];
  for (const match of code.matchAll(/\bimport\(\s*(?:(['"])([^'"]*)\1|([A-Za-z_$][\w$]*)\s*\)|([^)]*))/g)) {
    const [, , literal, name, expression] = match;
    const specifier = literal ?? (name === undefined ? undefined : new RegExp(`\\bconst\\s+${name.replace(/\$/g, '\\$')}\\s*(?::\\s*string\\s*)?=\\s*(['"])([^'"]*)\\1`).exec(code)?.[2]);
    if (specifier === undefined) unresolved.push(`${file}: import(${name ?? expression})`);
    else if (specifier.startsWith('.')) imports.push({ from: file, to: resolve(specifier), typeOnly: false, dynamic: true });
  }
  return { imports, unresolved };
}

/** Every cycle of a directed graph, each once, as `a -> b -> a`. */
function cyclesOf(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles = new Set<string>();
  const visit = (node: string, trail: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      cycles.add([...trail.slice(trail.indexOf(node)), node].join(' -> '));
      return;
    }
    state.set(node, 'visiting');
    for (const next of [...(edges.get(node) ?? [])].sort()) visit(next, [...trail, node]);
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) visit(node, []);
  return [...cycles];
}

function graph(pairs: readonly (readonly [string, string])[]): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [from, to] of pairs) edges.set(from, new Set([...(edges.get(from) ?? []), to]));
  return edges;
}

/**
 * Folder arrows: a file's import of a file in another folder, except between a folder and its own
 * sub-folders (the parent's files are the contract its sub-folders share, or the index that loads
 * them; a cycle of files there is still one of modules). Siblings, cousins and layers count.
 */
function folderArrows(imports: readonly Import[]): [string, string][] {
  const nested = (a: string, b: string): boolean => a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`);
  return imports.map((i): [string, string] => [path.dirname(i.from), path.dirname(i.to)]).filter(([from, to]) => !nested(from, to));
}

const srcDir = path.join(repoRoot, 'src');
const files = (function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : []));
})(srcDir);
const parsed = files.map((file) => importsOf(path.relative(srcDir, file), readFileSync(file, 'utf8')));
const imports = parsed.flatMap((p) => p.imports);
const layerOf = (file: string): string => file.split(path.sep)[0]!;

describe('the import graph of src/', () => {
  it('knows every layer', () => {
    expect(new Set(files.map((file) => layerOf(path.relative(srcDir, file))))).toEqual(new Set(LAYERS));
    expect(imports.length).toBeGreaterThan(100);
  });

  it('follows dynamic imports: of a string literal, and of a const bound to one', () => {
    const dynamic = imports.filter((i) => i.dynamic).map((i) => `${i.from} -> ${i.to}`);
    expect(dynamic).toContain('engines/index.ts -> engines/python/index.ts');
    expect(dynamic).toContain('engines/onnx/gpu-visibility.ts -> probe/index.ts');
    const sample = importsOf('a/b.ts', "const specifier = '../c/d.js';\nawait import(specifier);\nawait import('./e.js');\nawait import(somewhere);\n// import('./commented.js')");
    expect(sample.imports.map((i) => i.to)).toEqual(['c/d.ts', 'a/e.ts']);
    expect(sample.unresolved).toEqual(['a/b.ts: import(somewhere)']);
  });

  it('has no dynamic import it cannot follow, but of modules known only at run time', () => {
    const unresolved = parsed.flatMap((p) => p.unresolved);
    expect(unresolved.map((u) => u.split(':')[0])).toEqual(expect.arrayContaining(Object.keys(RUN_TIME_IMPORTS)));
    expect(unresolved.filter((u) => !(u.split(':')[0]! in RUN_TIME_IMPORTS))).toEqual([]);
  });

  it('has no import from a lower layer to a higher one', () => {
    const upward = imports.filter((i) => LAYERS.indexOf(layerOf(i.to)) > LAYERS.indexOf(layerOf(i.from)));
    expect(upward.map((i) => `${i.from} -> ${i.to}${i.dynamic ? ' (dynamic)' : ''}`)).toEqual([]);
  });

  it('has report/ import only types from runner/', () => {
    const calls = imports.filter((i) => layerOf(i.from) === 'report' && layerOf(i.to) === 'runner' && !i.typeOnly);
    expect(calls.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('has an engine contract that names no engine, and a runner that reaches the engines only through it', () => {
    const intoAnEngine = (i: Import): boolean => /^engines\/[^/]+\//.test(i.to);
    const contract = imports.filter((i) => ['engines/types.ts', 'engines/engine-options.ts'].includes(i.from) && intoAnEngine(i));
    expect(contract.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
    const runner = imports.filter((i) => layerOf(i.from) === 'runner' && intoAnEngine(i));
    expect(runner.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('has no cycle between modules', () => {
    expect(cyclesOf(graph(imports.map((i) => [i.from, i.to])))).toEqual([]);
  });

  it('has no cycle between folders, but the known ones', () => {
    // The check itself: two sibling folders that import each other are a cycle, a folder and its sub-folder are not.
    expect(cyclesOf(graph(folderArrows([{ from: 'e/p/x.ts', to: 'e/j/y.ts', typeOnly: true, dynamic: false }, { from: 'e/j/y.ts', to: 'e/p/z.ts', typeOnly: false, dynamic: true }])))).toEqual(['e/j -> e/p -> e/j']);
    expect(cyclesOf(graph(folderArrows([{ from: 'e/x.ts', to: 'e/p/y.ts', typeOnly: false, dynamic: true }, { from: 'e/p/y.ts', to: 'e/z.ts', typeOnly: true, dynamic: false }])))).toEqual([]);
    const cycles = cyclesOf(graph(folderArrows(imports)));
    expect(cycles.filter((cycle) => !KNOWN_FOLDER_CYCLES.includes(cycle))).toEqual([]);
    expect(KNOWN_FOLDER_CYCLES.filter((cycle) => !cycles.includes(cycle))).toEqual([]);
  });
});
