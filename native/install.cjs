'use strict';
// npm's install step for the probe addon. The prebuilt binary for this platform is used when it
// loads (prebuilds/<platform>-<arch>/, made by `npm run build:prebuilds`); only otherwise is the addon
// compiled with node-gyp, and a failed compile leaves the install working: the probe then reads
// /proc and says how to build the addon. Set npm_config_build_from_source=true to always compile.
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');

/** The addon node-gyp-build would load (build/, then prebuilds/), if it loads in a fresh process. */
function loadableAddon() {
  let file;
  try {
    file = require('node-gyp-build').resolve(root);
  } catch (error) {
    return { file: null, problem: String(error.message).split('\n')[0] };
  }
  // In a child: an addon that cannot load (a newer glibc, another CPU) must not end this script.
  const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8' });
  if (check.status === 0) return { file, problem: null };
  return { file: null, problem: `${file}: ${(check.stderr || '').split('\n').find((line) => /Error/.test(line)) || `exit ${check.status}`}` };
}

function nodeGypCommand() {
  // npm names its bundled node-gyp for lifecycle scripts; outside npm, node-gyp on PATH.
  if (process.env.npm_config_node_gyp) return [process.execPath, [process.env.npm_config_node_gyp, 'rebuild']];
  return ['node-gyp', ['rebuild']];
}

const fromSource = process.env.npm_config_build_from_source === 'true' || process.env.MLCHECK_BUILD_FROM_SOURCE === '1';
const found = fromSource ? { file: null, problem: 'building from source was asked for' } : loadableAddon();
if (found.file !== null) {
  console.log(`mlcheck: using the probe addon ${path.relative(root, found.file)}`);
  process.exit(0);
}
console.log(`mlcheck: no prebuilt probe addon fits (${found.problem}); compiling it with node-gyp`);
const [command, args] = nodeGypCommand();
const build = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
if (build.status === 0) process.exit(0);
console.warn(
  [
    `mlcheck: the probe addon could not be compiled (${build.error ? build.error.message : `node-gyp exited ${build.status}`}).`,
    '  mlcheck works without it: `mlcheck probe` then reads /proc/cpuinfo and /proc/meminfo (no cpuid/xgetbv, no NVIDIA driver query) and says so.',
    `  fix: install make, a C++ compiler and python3, then: cd ${root} && npm run install`,
  ].join('\n'),
);
process.exit(0);
