import { mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { RequirementError } from '../../util/errors.js';
import { createPrivateDirectory } from '../../util/private-directory.js';
import type { WorkloadContext } from '../types.js';
import type { InstalledWorkload } from './examples.js';
import { ensureDirectory } from '../../util/ensure-directory.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

/** How to run a script so that it finds mlcheck's data where it looks before downloading. */
export interface StagedRun {
  cwd: string;
  /** One argument list per run (classify_image.py classifies one image per run). */
  runs: string[][];
  env: NodeJS.ProcessEnv;
  /** The image each run classifies (inception), by run. */
  images?: string[];
  /** Where the script writes images worth keeping (vae's results/). */
  artifactsDir?: string;
}

/** MNIST's canonical file names, by the key of mlcheck's mnist dataset. */
const MNIST_NAMES: Readonly<Record<string, string>> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** classify_image.py extracts this archive in --model_dir (and downloads it when it is not there). */
export const INCEPTION_ARCHIVE = 'inception-2015-12-05.tgz';

export interface StageOptions {
  ctx: WorkloadContext;
  /** Folders that may hold inception-2015-12-05.tgz (the data dir's imagenet/, the model cache). */
  modelDirs: readonly string[];
  /** The image files to classify, in the profile's expected-label order. */
  images?: readonly string[];
}

/** A private folder (mode 0700, removed with the case) laid out the way each script expects it. */
export async function stageExample(workload: InstalledWorkload, options: StageOptions): Promise<StagedRun> {
  const root = createPrivateDirectory('mlcheck-example-');
  switch (workload) {
    case 'lenet': {
      // convolutional.py: WORK_DIRECTORY = 'data', relative to where it runs; it reads the .gz files.
      const files = await options.ctx.data.files('mnist');
      const data = path.join(root, 'data');
      mkdirSync(data);
      for (const [key, name] of Object.entries(MNIST_NAMES)) placeGzipped(files[key]!, path.join(data, `${name}.gz`));
      return { cwd: root, runs: [[]], env: {} };
    }
    case 'vae': {
      // main.py: datasets.MNIST('../data', download=True) looks for ../data/MNIST/raw/<name> first.
      const files = await options.ctx.data.files('mnist');
      const raw = path.join(root, 'data', 'MNIST', 'raw');
      const cwd = path.join(root, 'run');
      ensureDirectory(raw);
      ensureDirectory(path.join(cwd, 'results'));
      for (const [key, name] of Object.entries(MNIST_NAMES)) {
        placeDecompressed(files[key]!, path.join(raw, name));
        placeGzipped(files[key]!, path.join(raw, `${name}.gz`));
      }
      const epochs = Number(options.ctx.params.trainSteps ?? 0) > 0 ? 1 : Math.max(1, Math.round(Number(options.ctx.params.epochs ?? 10)));
      return { cwd, runs: [['--epochs', String(epochs), '--seed', String(options.ctx.seed)]], env: {}, artifactsDir: path.join(cwd, 'results') };
    }
    case 'iris': {
      // premade_estimator.py -> iris_data.maybe_download -> tf.keras.utils.get_file: ~/.keras/datasets (KERAS_HOME in newer Keras).
      const files = await options.ctx.data.files('iris');
      const home = path.join(root, 'home');
      const datasets = path.join(home, '.keras', 'datasets');
      ensureDirectory(datasets);
      symlinkSync(files.train!, path.join(datasets, 'iris_training.csv'));
      symlinkSync(files.test!, path.join(datasets, 'iris_test.csv'));
      return { cwd: root, runs: [[]], env: { HOME: home, KERAS_HOME: path.join(home, '.keras') } };
    }
    case 'inception': {
      // classify_image.py --model_dir DIR: it extracts DIR/inception-2015-12-05.tgz, downloading it only when missing.
      const archive = options.modelDirs.map((dir) => path.join(dir, INCEPTION_ARCHIVE)).find((file) => isFile(file));
      if (archive === undefined) {
        throw new RequirementError(`classify_image.py needs ${INCEPTION_ARCHIVE}, which is not staged (the script would download it)`, {
          expected: `${INCEPTION_ARCHIVE} in one of: ${options.modelDirs.join(', ')}`,
          fix: `curl -LO http://download.tensorflow.org/models/image/imagenet/${INCEPTION_ARCHIVE} into <data dir>/imagenet/`,
        });
      }
      const modelDir = path.join(root, 'imagenet');
      mkdirSync(modelDir);
      symlinkSync(archive, path.join(modelDir, INCEPTION_ARCHIVE));
      const images = options.images ?? [];
      return { cwd: root, runs: images.map((image) => ['--model_dir', modelDir, '--image_file', image]), env: {}, images: [...images] };
    }
  }
}

/** The file as NAME.gz: linked when it is compressed already, else compressed into the private folder. */
function placeGzipped(source: string, target: string): void {
  if (source.endsWith('.gz')) symlinkSync(source, target);
  else writeFileAtomic(target, gzipSync(readFileSync(source), { level: 1 }));
}

function placeDecompressed(source: string, target: string): void {
  if (source.endsWith('.gz')) writeFileAtomic(target, gunzipSync(readFileSync(source)));
  else symlinkSync(source, target);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
