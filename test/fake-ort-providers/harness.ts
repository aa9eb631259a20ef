/**
 * onnxruntime-node with stand-in GPU providers: a copy of the installed package (its JavaScript
 * and addon copied, its 45 MB libonnxruntime.so.1 linked) whose bin folder also holds the
 * stand-in provider libraries, for MLCHECK_ONNXRUNTIME_NODE. ONNX Runtime loads providers from
 * the folder of the libonnxruntime it was loaded from (through the addon's $ORIGIN RUNPATH), so
 * the real provider bridge loads them and the real trial session meets their failure; the shared
 * node_modules is never written.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStandIn } from '../fake-cuda-libs/harness.js';

const sourceDir = path.dirname(fileURLToPath(import.meta.url));

/** The CUDA 12 libraries onnxruntime's providers need (src/engines/onnx/provider-requirements.ts). */
const CUDA_12_LIBRARIES = ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcufft.so.11', 'libcudnn.so.9', 'libnvinfer.so.10', 'libnvinfer_plugin.so.10'];

export interface StandInOrt {
  /** Everything built, for removing afterwards. */
  root: string;
  /** For MLCHECK_ONNXRUNTIME_NODE. */
  packageDir: string;
  /** Its bin folder, with the stand-in providers. */
  binDir: string;
  /** Stand-in CUDA, cuDNN and TensorRT libraries, for LD_LIBRARY_PATH. */
  cudaLibraryDir: string;
}

export function buildStandInOrt(): StandInOrt {
  const root = mkdtempSync(path.join(tmpdir(), 'mlcheck-stand-in-ort-'));
  const require = createRequire(import.meta.url);
  const installed = path.dirname(require.resolve('onnxruntime-node/package.json'));
  // onnxruntime-common exports no package.json: its folder is the part of its entry's path up to its name.
  const commonEntry = require.resolve('onnxruntime-common', { paths: [installed] });
  const common = commonEntry.slice(0, commonEntry.lastIndexOf(`${path.sep}onnxruntime-common${path.sep}`) + `${path.sep}onnxruntime-common`.length);
  const packageDir = path.join(root, 'node_modules', 'onnxruntime-node');
  const relativeBin = path.join('bin', 'napi-v6', process.platform, process.arch);
  const binDir = path.join(packageDir, relativeBin);
  mkdirSync(binDir, { recursive: true });
  cpSync(path.join(installed, 'package.json'), path.join(packageDir, 'package.json'));
  cpSync(path.join(installed, 'dist'), path.join(packageDir, 'dist'), { recursive: true });
  // Copied, not linked: Node loads an addon by its real path, and $ORIGIN must be this folder.
  cpSync(path.join(installed, relativeBin, 'onnxruntime_binding.node'), path.join(binDir, 'onnxruntime_binding.node'));
  symlinkSync(path.join(installed, relativeBin, 'libonnxruntime.so.1'), path.join(binDir, 'libonnxruntime.so.1'));
  symlinkSync(common, path.join(root, 'node_modules', 'onnxruntime-common'));

  compile(['cc', '-shared', '-fPIC', '-O1', '-Wall', '-Wl,-soname,libonnxruntime_providers_shared.so', '-o', path.join(binDir, 'libonnxruntime_providers_shared.so'), path.join(sourceDir, 'stand_in_providers_shared.c')]);
  for (const provider of ['cuda', 'tensorrt']) {
    const file = `libonnxruntime_providers_${provider}.so`;
    compile(['c++', '-shared', '-fPIC', '-O1', '-Wall', `-Wl,-soname,${file}`, '-o', path.join(binDir, file), path.join(sourceDir, 'stand_in_provider.cc')]);
  }
  const cudaLibraryDir = path.join(root, 'cuda');
  for (const soname of CUDA_12_LIBRARIES) buildStandIn(cudaLibraryDir, soname);
  return { root, packageDir, binDir, cudaLibraryDir };
}

function compile([command, ...args]: string[]): void {
  execFileSync(command!, args, { stdio: 'pipe' });
}
