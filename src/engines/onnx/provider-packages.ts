import path from 'node:path';
import { UsageError } from '../../util/errors.js';
import { packageRoot } from '../../util/package-info.js';
import { readConfigFile, type ConfigFileKind } from '../../util/schema-check.js';

/** One GPU provider package `setup onnx-cuda` may install (references/onnx-cuda-packages.yaml). */
export interface ProviderPackage {
  onnxruntimeNode: string;
  platform: string;
  /** Name and version, for messages. */
  package: string;
  url: string;
  format: 'nupkg';
  /** Absent: the package is not pinned, and refused. */
  sha256?: string;
  size?: number;
  /** Why it is not pinned yet. */
  unpinned?: string;
  source?: string;
  /** File name in onnxruntime-node's bin folder -> path inside the package. */
  files: Record<string, string>;
}

/** A package with its hash: the only kind that is ever installed. */
export type PinnedProviderPackage = ProviderPackage & { sha256: string; size: number };

interface ProviderPackagesDocument {
  schemaVersion: 1;
  packages: ProviderPackage[];
}

export const DEFAULT_PROVIDER_PACKAGES_FILE = path.join(packageRoot, 'references', 'onnx-cuda-packages.yaml');

const KIND: ConfigFileKind = {
  schema: 'onnx-cuda-packages',
  what: 'provider package file',
  fix: 'see references/onnx-cuda-packages.yaml in the mlcheck package for the format',
};

export interface PinnedProviderPackageOptions {
  /** onnxruntime-node's version (its package.json). */
  onnxruntimeNode: string;
  /** process.platform/process.arch. */
  platform: string;
  /** Default: references/onnx-cuda-packages.yaml of this package. */
  file?: string;
}

/**
 * The pinned package for this onnxruntime-node and platform. No entry, or one without a sha256,
 * is a refusal (exit 2) that says what is missing and how to pin it: never an unverified install.
 */
export function pinnedProviderPackage(options: PinnedProviderPackageOptions): PinnedProviderPackage {
  const file = options.file ?? DEFAULT_PROVIDER_PACKAGES_FILE;
  const document = readConfigFile<ProviderPackagesDocument>(file, KIND);
  const entry = document.packages.find((p) => p.onnxruntimeNode === options.onnxruntimeNode && p.platform === options.platform);
  const howToPin = [
    'download the package on a machine you trust, check it against NuGet\'s own record of it (its catalog entry\'s packageHash), then write its sha256 (sha256sum FILE) and size (stat -c %s FILE) into a copy of the file and run: mlcheck setup onnx-cuda --packages COPY',
    'or run the ONNX engine on the CPU (it needs no setup)',
  ];
  if (entry === undefined) {
    throw new UsageError(`${file} pins no CUDA provider package for onnxruntime-node ${options.onnxruntimeNode} on ${options.platform}: mlcheck installs only packages whose sha256 it knows`, {
      file,
      expected: `an entry with onnxruntimeNode: ${options.onnxruntimeNode}, platform: ${options.platform}, url, sha256, size and files`,
      found: document.packages.length === 0 ? 'no entries' : `entries for ${document.packages.map((p) => `${p.onnxruntimeNode} ${p.platform}`).join(', ')}`,
      fix: howToPin,
    });
  }
  if (entry.sha256 === undefined || entry.size === undefined) {
    throw new UsageError(`refusing to install ${entry.package} (for onnxruntime-node ${entry.onnxruntimeNode}) unverified: ${entry.unpinned ?? 'it has no sha256'}`, {
      file,
      expected: `the sha256 and size of ${entry.url}`,
      found: 'no sha256',
      fix: howToPin,
    });
  }
  return entry as PinnedProviderPackage;
}
