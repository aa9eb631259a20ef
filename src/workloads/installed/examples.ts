import type { PythonFramework } from '../../engines/python/backends.js';

export type InstalledWorkload = 'lenet' | 'inception' | 'iris' | 'vae';

/** One of the manual's example scripts as a framework module installs it under its prefix. */
export interface InstalledExample {
  workload: InstalledWorkload;
  /** The framework the script is written for. */
  framework: PythonFramework;
  /** What the manual runs, e.g. `python convolutional.py`. */
  script: string;
  /** Path endings the script is recognised by, most specific first. */
  locations: readonly string[];
}

/** The manual's examples (docs/design.md §2), where tensorflow/models and pytorch/examples keep them. */
export const INSTALLED_EXAMPLES: Readonly<Record<InstalledWorkload, InstalledExample>> = {
  lenet: {
    workload: 'lenet',
    framework: 'tensorflow',
    script: 'convolutional.py',
    locations: ['models/tutorials/image/mnist/convolutional.py', 'tutorials/image/mnist/convolutional.py', 'mnist/convolutional.py'],
  },
  inception: {
    workload: 'inception',
    framework: 'tensorflow',
    script: 'classify_image.py',
    locations: ['models/tutorials/image/imagenet/classify_image.py', 'models/image/imagenet/classify_image.py', 'imagenet/classify_image.py'],
  },
  iris: {
    workload: 'iris',
    framework: 'tensorflow',
    script: 'premade_estimator.py',
    locations: ['samples/core/get_started/premade_estimator.py', 'get_started/premade_estimator.py'],
  },
  vae: {
    workload: 'vae',
    framework: 'pytorch',
    script: 'main.py',
    locations: ['examples/vae/main.py', 'vae/main.py'],
  },
};
