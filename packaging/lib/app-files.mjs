// @ts-check
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exec, npmCommand } from './exec.mjs';

/** What the npm package holds only to compile the probe addon at install time: a site runs the prebuilt one. */
const COMPILE_ONLY = ['native', 'binding.gyp'];

/**
 * The files of the mlcheck package as npm publishes them (package.json "files": the compiled
 * JavaScript without source maps or declarations, the shipped data, models, references,
 * schemas, kits and the prebuilt addon), unpacked into `targetDir`. `npm pack` decides the list,
 * so the tree ships exactly what `npm install mlcheck` would, minus the addon's sources (nothing
 * is compiled at a site) and bin/mlcheck-slurm-check (the tree's own launcher replaces it).
 * Its package.json keeps what Node and mlcheck read at run time (type, version).
 * @param {{ repoRoot: string, workDir: string, targetDir: string }} options
 */
export function unpackAppFiles({ repoRoot, workDir, targetDir }) {
  const npm = npmCommand();
  mkdirSync(workDir, { recursive: true });
  // --ignore-scripts: no prepare (tsc) here; the build compiles first, or uses dist/ as built.
  const packed = /** @type {{ filename: string }[]} */ (
    JSON.parse(exec(npm.command, [...npm.prefix, 'pack', '--ignore-scripts', '--json', '--pack-destination', workDir], { cwd: repoRoot }))
  );
  const tarball = path.join(workDir, packed[0]?.filename ?? '');
  mkdirSync(targetDir, { recursive: true });
  exec('tar', ['-xzf', tarball, '-C', targetDir, '--strip-components=1', '--no-same-owner']);
  rmSync(tarball);
  for (const entry of [...COMPILE_ONLY, path.join('bin', 'mlcheck-slurm-check')]) rmSync(path.join(targetDir, entry), { recursive: true, force: true });

  const manifestFile = path.join(targetDir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const runtimeManifest = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    type: manifest.type,
    license: manifest.license,
    engines: manifest.engines,
    dependencies: manifest.dependencies,
  };
  writeFileSync(manifestFile, `${JSON.stringify(runtimeManifest, null, 2)}\n`);
  return { version: String(manifest.version) };
}
