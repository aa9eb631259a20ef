/**
 * npm runs a script named pre<name> before <name> and post<name> after it. A script once named
 * `prebuild` (prebuildify) made every `npm run build` rebuild the committed addon in prebuilds/,
 * and fail without a C++ compiler. The real npm runs each of our scripts here, with every command
 * replaced by one that records its name: only the script asked for may run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/paths.js';

const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
/** npm's own commands that run a script of their name with its pre/post hooks. */
const LIFECYCLE = ['install', 'prepare', 'prepack', 'pack', 'postpack', 'publish', 'test', 'start', 'stop', 'restart', 'uninstall', 'version'];

describe("package.json's scripts", () => {
  it('has no script that npm would run as a hook of another script or of its own commands', () => {
    const hooks = Object.keys(packageJson.scripts).filter((name) => {
      const hooked = /^(?:pre|post)(.+)$/.exec(name)?.[1];
      return hooked !== undefined && (hooked in packageJson.scripts || LIFECYCLE.includes(hooked));
    });
    expect(hooks).toEqual([]);
  });

  it.each(['build', 'test', 'typecheck', 'bench'])('npm run %s runs that script alone (no prebuildify: no compiler needed, prebuilds/ untouched)', (script) => {
    const project = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-scripts-'));
    const record = `node -e "require('fs').appendFileSync('ran', process.env.npm_lifecycle_event + '\\n')"`;
    const scripts = Object.fromEntries(Object.keys(packageJson.scripts).map((name) => [name, record]));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ ...packageJson, scripts }, null, 2));
    const run = spawnSync(process.execPath, [npmCli, 'run', script, '--ignore-scripts=false', '--foreground-scripts'], { cwd: project, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } });
    expect(run.status, run.stderr).toBe(0);
    const ran = existsSync(path.join(project, 'ran')) ? readFileSync(path.join(project, 'ran'), 'utf8').trim().split('\n') : [];
    expect(ran).toEqual([script]);
  });

  it('builds the committed addon only on request, with a name npm attaches to nothing', () => {
    expect(packageJson.scripts['build:prebuilds']).toMatch(/^prebuildify /);
    expect(packageJson.scripts.build).toBe('tsc -p tsconfig.json');
  });
});
