/**
 * docs/architecture.md's one rule, checked on the source: dependencies point down the layers,
 * there is no import cycle, and src/report/ names the runner's types without calling it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/paths.js';

/** Bottom to top: a layer may import from itself and the layers before it. */
const LAYERS = ['util', 'native', 'probe', 'datasets', 'engines', 'workloads', 'references', 'runner', 'report', 'check', 'slurm', 'cli'];

const srcDir = path.join(repoRoot, 'src');
const files = (function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : []));
})(srcDir);

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

const imports: Import[] = files.flatMap((file) => {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'(\.{1,2}\/[^']+)';/gm)].map((match) => ({
    from: path.relative(srcDir, file),
    to: path.relative(srcDir, path.resolve(path.dirname(file), match[2]!.replace(/\.js$/, '.ts'))),
    typeOnly: match[1] !== undefined,
  }));
});
const layerOf = (file: string): string => file.split(path.sep)[0]!;

describe('the import graph of src/', () => {
  it('knows every layer', () => {
    expect(new Set(files.map((file) => layerOf(path.relative(srcDir, file))))).toEqual(new Set(LAYERS));
    expect(imports.length).toBeGreaterThan(100);
  });

  it('has no import from a lower layer to a higher one', () => {
    const upward = imports.filter((i) => LAYERS.indexOf(layerOf(i.to)) > LAYERS.indexOf(layerOf(i.from)));
    expect(upward.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('has report/ import only types from runner/', () => {
    const calls = imports.filter((i) => layerOf(i.from) === 'report' && layerOf(i.to) === 'runner' && !i.typeOnly);
    expect(calls.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('has no cycle between modules', () => {
    const edges = new Map<string, string[]>();
    for (const i of imports) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of edges.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of edges.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
