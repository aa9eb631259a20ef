/**
 * Debian's Lmod in a private folder. The `lmod` package Conflicts with `environment-modules`
 * (which the python-engine tests use), so it cannot be installed beside it: its .deb is
 * unpacked instead (`dpkg -x`) and its bash init script pointed at the unpacked copy. Lmod's
 * own Lua dependencies (lua5.3, lua-posix, lua-filesystem, lua-term, lua-json) are ordinary
 * packages that .ci/run installs. The .deb comes from apt's cache (.ci/run downloads it there)
 * or, failing that, `apt-get download lmod`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const APT_ARCHIVES = '/var/cache/apt/archives';
const LUA_MODULES = ['/usr/lib/x86_64-linux-gnu/lua/5.3/posix.so', '/usr/lib/x86_64-linux-gnu/lua/5.3/lfs.so', '/usr/share/lua/5.3/term/init.lua', '/usr/share/lua/5.3/json.lua'];

/** Unpacks Lmod under `dir` and returns its bash init script, which defines `module`. */
export function privateLmod(dir: string): string {
  if (!existsSync('/usr/bin/lua5.3')) throw new Error('Lmod needs /usr/bin/lua5.3; fix: apt-get install lua5.3 lua-posix lua-filesystem lua-term lua-json (.ci/run does)');
  const missingLua = LUA_MODULES.filter((file) => !existsSync(file));
  if (missingLua.length > 0) throw new Error(`Lmod's Lua modules are missing (${missingLua.join(', ')}); fix: apt-get install lua-posix lua-filesystem lua-term lua-json (.ci/run does)`);
  const cached = existsSync(APT_ARCHIVES) ? readdirSync(APT_ARCHIVES).filter((name) => /^lmod_.*\.deb$/.test(name)).sort().at(-1) : undefined;
  let deb: string;
  if (cached !== undefined) {
    deb = path.join(APT_ARCHIVES, cached);
  } else {
    execFileSync('apt-get', ['download', 'lmod'], { cwd: dir, stdio: 'pipe' });
    const downloaded = readdirSync(dir).find((name) => /^lmod_.*\.deb$/.test(name));
    if (downloaded === undefined) throw new Error(`apt-get download lmod wrote no .deb into ${dir}`);
    deb = path.join(dir, downloaded);
  }
  const root = path.join(dir, 'lmod-root');
  execFileSync('dpkg', ['-x', deb, root]);
  const lmodRoot = path.join(root, 'usr', 'share', 'lmod');
  const init = path.join(lmodRoot, 'lmod', 'init', 'bash');
  // The init script names /usr/share/lmod; Lmod itself finds its Lua files from its own path.
  writeFileSync(init, readFileSync(init, 'utf8').replaceAll('/usr/share/lmod', lmodRoot));
  return init;
}
