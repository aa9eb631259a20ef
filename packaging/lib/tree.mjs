// @ts-check
import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The layout of a relocatable install, relative to its prefix (docs/install.md):
 *   bin/mlcheck, bin/mlcheck-slurm-check     launchers that find everything from their own path
 *   lib/node/                                the bundled Node.js (bin/node, LICENSE)
 *   lib/mlcheck/                             the mlcheck package and its production node_modules
 *   modulefiles/mlcheck/<version>[.lua]      Environment Modules (Tcl) and Lmod modulefiles
 *   contrib/                                 Slurm, NHC and systemd integrations
 *   etc/mlcheck.yaml.example                 the commented configuration file the packages put in /etc/mlcheck
 *   share/doc/mlcheck/                       README, install guide, build-info.json
 */
export const TREE = {
  launchers: ['mlcheck', 'mlcheck-slurm-check'],
  node: path.join('lib', 'node'),
  app: path.join('lib', 'mlcheck'),
  modulefiles: path.join('modulefiles', 'mlcheck'),
  configExample: path.join('etc', 'mlcheck.yaml.example'),
  doc: path.join('share', 'doc', 'mlcheck'),
};

/** Files 0644, folders and executables 0755, whatever the umask or the sources said. @param {string} dir */
function normaliseModes(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      chmodSync(full, 0o755);
      normaliseModes(full);
    } else {
      chmodSync(full, statSync(full).mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/**
 * Puts the tree together under `prefixDir` from the parts the build made and the files of
 * packaging/tree and contrib/.
 * @param {{ repoRoot: string, prefixDir: string, version: string, appDir: string, nodeModules: string, nodeDir: string, buildInfo: object }} options
 */
export function assembleTree({ repoRoot, prefixDir, version, appDir, nodeModules, nodeDir, buildInfo }) {
  const source = path.join(repoRoot, 'packaging', 'tree');
  mkdirSync(path.join(prefixDir, 'lib'), { recursive: true });
  renameSync(nodeDir, path.join(prefixDir, TREE.node));
  renameSync(appDir, path.join(prefixDir, TREE.app));
  renameSync(nodeModules, path.join(prefixDir, TREE.app, 'node_modules'));

  mkdirSync(path.join(prefixDir, 'bin'));
  for (const launcher of TREE.launchers) copyFileSync(path.join(source, 'bin', launcher), path.join(prefixDir, 'bin', launcher));
  chmodSync(path.join(prefixDir, 'bin'), 0o755);
  for (const launcher of TREE.launchers) chmodSync(path.join(prefixDir, 'bin', launcher), 0o755);

  mkdirSync(path.join(prefixDir, TREE.modulefiles), { recursive: true });
  copyFileSync(path.join(source, 'modulefiles', 'mlcheck.tcl'), path.join(prefixDir, TREE.modulefiles, version));
  copyFileSync(path.join(source, 'modulefiles', 'mlcheck.lua'), path.join(prefixDir, TREE.modulefiles, `${version}.lua`));

  cpSync(path.join(repoRoot, 'contrib'), path.join(prefixDir, 'contrib'), { recursive: true });
  mkdirSync(path.dirname(path.join(prefixDir, TREE.configExample)), { recursive: true });
  copyFileSync(path.join(source, 'etc', 'mlcheck.yaml'), path.join(prefixDir, TREE.configExample));

  mkdirSync(path.join(prefixDir, TREE.doc), { recursive: true });
  copyFileSync(path.join(repoRoot, 'README.md'), path.join(prefixDir, TREE.doc, 'README.md'));
  copyFileSync(path.join(repoRoot, 'docs', 'install.md'), path.join(prefixDir, TREE.doc, 'install.md'));
  writeFileSync(path.join(prefixDir, TREE.doc, 'build-info.json'), `${JSON.stringify(buildInfo, null, 2)}\n`);
  normaliseModes(prefixDir);
}
