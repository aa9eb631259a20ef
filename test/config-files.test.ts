/**
 * Every configuration file mlcheck reads is checked against its JSON Schema (schema/), and a bad
 * one is bad configuration: exit 2, with a message that names the file and the key path. Each
 * file is broken three ways in a copy of the package (the shipped files are found next to dist/).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { fakeSysfs, kernelLogFixture, nvidiaGpusFrom } from './helpers/fake-node.js';
import { repoRoot, sharedDataDir } from './helpers/paths.js';

/** A copy of the installed package: its own dist/ and data files, the repository's node_modules and addon. */
function packageCopy(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-package-'));
  for (const entry of ['bin', 'dist', 'references', 'datasets', 'models', 'schema']) cpSync(path.join(repoRoot, entry), path.join(root, entry), { recursive: true });
  copyFileSync(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'));
  for (const entry of ['node_modules', 'build']) symlinkSync(path.join(repoRoot, entry), path.join(root, entry));
  return root;
}

const model = path.join(sharedDataDir, 'imagenet', 'mobilenet_v2_1.0_224.onnx');
const panda = path.join(sharedDataDir, 'images', 'cropped_panda.jpg');
const runArgs = (...workloads: string[]) => (root: string) => ['run', ...workloads, '--no-probe', '--data-dir', sharedDataDir, '--out', path.join(root, 'run')];

/** A parsed configuration file: any shape, broken on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Document = Record<string, any>;

interface Mistake {
  name: string;
  /** Breaks the parsed file in place. */
  change: (document: Document) => void;
  /** The key path the message must name. */
  at: string;
}

interface ConfigFile {
  /** The file, relative to the package (a sidecar: beside a model in a temporary folder). */
  file: string;
  what: string;
  /** The command that reads it. */
  args: (root: string) => string[];
  /** What the command needs to reach the file (a stand-in GPU node for the probe's health files). */
  env?: Record<string, string>;
  mistakes: [Mistake, Mistake, Mistake];
}

const sidecarDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-sidecar-'));
symlinkSync(model, path.join(sidecarDir, 'mine.onnx'));

/** The probe reads the GPU health files only on a node with an NVIDIA GPU on its PCI bus. */
const gpuNode = { MLCHECK_SYSFS_ROOT: fakeSysfs(nvidiaGpusFrom(7, 1)), MLCHECK_KMSG: kernelLogFixture('no-xid.log') };

const FILES: ConfigFile[] = [
  {
    file: 'references/profiles.yaml',
    what: 'profile file',
    args: runArgs('hello'),
    mistakes: [
      { name: 'a wrong type', change: (d) => void (d.profiles.quick.workloads.hello.timeoutSeconds = 'a minute'), at: 'profiles.quick.workloads.hello.timeoutSeconds' },
      { name: 'an unknown key', change: (d) => void (d.profiles.quick.workloads.hello.timeout = 60), at: 'profiles.quick.workloads.hello.timeout' },
      { name: 'a missing field', change: (d) => void delete d.profiles.standard, at: 'profiles.standard' },
    ],
  },
  {
    file: 'references/nodes.yaml',
    what: 'node reference file',
    args: runArgs('hello'),
    mistakes: [
      { name: 'a wrong type', change: (d) => void (d.nodeClasses[0].expect = { gpus: 'none' }), at: 'nodeClasses[0].expect.gpus' },
      { name: 'an unknown key', change: (d) => void (d.nodeClasses[0].colour = 'red'), at: 'nodeClasses[0].colour' },
      { name: 'a missing field', change: (d) => void delete d.nodeClasses[0].id, at: 'nodeClasses[0].id' },
    ],
  },
  {
    file: 'references/expected-labels.yaml',
    what: 'expected-labels file',
    args: (root) => [...runArgs('inception')(root), '--model', model],
    mistakes: [
      { name: 'a wrong type', change: (d) => void (d.profiles.quick[0].minScore = 'high'), at: 'profiles.quick[0].minScore' },
      { name: 'an unknown key', change: (d) => void (d.profiles.quick[0].colour = 'red'), at: 'profiles.quick[0].colour' },
      { name: 'a missing field', change: (d) => void delete d.profiles.quick[0].image, at: 'profiles.quick[0].image' },
    ],
  },
  {
    file: 'references/xid.yaml',
    what: 'Xid catalogue',
    args: () => ['probe'],
    env: gpuNode,
    mistakes: [
      { name: 'a wrong type', change: (d) => void (d.xids[0].code = 'eight'), at: 'xids[0].code' },
      { name: 'an unknown key', change: (d) => void (d.xids[0].colour = 'red'), at: 'xids[0].colour' },
      { name: 'a missing field', change: (d) => void delete d.xids[0].verdict, at: 'xids[0].verdict' },
    ],
  },
  {
    file: 'references/gpu-health.yaml',
    what: 'GPU health threshold file',
    args: () => ['probe'],
    env: gpuNode,
    mistakes: [
      { name: 'a wrong type', change: (d) => void (d.retiredPages.warnAt = 'fifteen'), at: 'retiredPages.warnAt' },
      { name: 'an unknown key', change: (d) => void (d.retiredPages.colour = 'red'), at: 'retiredPages.colour' },
      { name: 'a missing field', change: (d) => void delete d.remappedRows, at: 'remappedRows' },
    ],
  },
  {
    file: 'references/onnx-cuda-packages.yaml',
    what: 'provider package file',
    args: () => ['setup', 'onnx-cuda', '--dry-run'],
    mistakes: [
      { name: 'a wrong type', change: (d) => void (d.packages[0].files = 'all of them'), at: 'packages[0].files' },
      { name: 'an unknown key', change: (d) => void (d.packages[0].colour = 'red'), at: 'packages[0].colour' },
      { name: 'a missing field', change: (d) => void delete d.packages[0].url, at: 'packages[0].url' },
    ],
  },
  {
    file: 'datasets/iris.json',
    what: 'dataset manifest',
    args: () => ['datasets', 'list'],
    mistakes: [
      { name: 'a wrong type', change: (d) => void (d.files.train.size = '2194'), at: 'files.train.size' },
      { name: 'an unknown key', change: (d) => void (d.files.train.colour = 'red'), at: 'files.train.colour' },
      { name: 'a missing field', change: (d) => void delete d.directory, at: 'directory' },
    ],
  },
  {
    file: 'models/mobilenet_v2_1.0_224.yaml',
    what: 'model registry entry',
    args: () => ['classify', panda, '--model', model],
    mistakes: [
      { name: 'a wrong type', change: (d) => void (d.output.classes = 'many'), at: 'output.classes' },
      { name: 'an unknown key', change: (d) => void (d.colour = 'red'), at: 'colour' },
      { name: 'a missing field', change: (d) => void delete d.file, at: 'file' },
    ],
  },
  {
    file: path.join(sidecarDir, 'mine.onnx.yaml'),
    what: 'model sidecar',
    args: () => ['classify', panda, '--model', path.join(sidecarDir, 'mine.onnx')],
    mistakes: [
      { name: 'a wrong type', change: (d) => void (d.input.size = 224), at: 'input.size' },
      { name: 'an unknown key', change: (d) => void (d.input.colour = 'red'), at: 'input.colour' },
      { name: 'a missing field', change: (d) => void delete d.output, at: 'output' },
    ],
  },
];

describe('a broken configuration file is exit 2, naming the file and the key path', () => {
  const root = packageCopy();
  const cases = FILES.flatMap((config) => config.mistakes.map((mistake) => ({ ...config, mistake, label: `${config.file.startsWith('/') ? 'a model sidecar' : config.file}: ${mistake.name}` })));

  it.each(cases)('$label', ({ file, what, args, env, mistake }) => {
    const target = path.isAbsolute(file) ? file : path.join(root, file);
    const original = readFileSync(path.isAbsolute(file) ? path.join(repoRoot, 'models', 'mobilenet_v2_1.0_224.yaml') : path.join(repoRoot, file), 'utf8');
    const document = parse(original) as Document;
    mistake.change(document);
    writeFileSync(target, file.endsWith('.json') ? JSON.stringify(document, null, 2) : stringify(document));
    try {
      const run = spawnSync(process.execPath, [path.join(root, 'bin', 'mlcheck.js'), ...args(root)], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
      expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 2, stderr: expect.stringContaining(`invalid ${what} ${target} at ${mistake.at}`) });
      expect(run.stderr).toMatch(/\n {2}expected: .+\n {2}found: .+/);
    } finally {
      writeFileSync(target, original);
    }
  });
});
