/** A data file's bytes as they were verified: read from the same open file that was hashed. */
export interface VerifiedFile {
  /** Where the bytes were read from (for messages). */
  path: string;
  /** The file's bytes as on disk, gzip-compressed or not. */
  bytes: Buffer;
}

/** Where a workload's data files are, by dataset id and file key (see datasets/*.json). */
export interface DataAccess {
  /**
   * Absolute paths of the dataset's files, verified, for another program to read. A file that a
   * user other than root or the invoking one could change is handed out as a private copy of the
   * bytes that were verified. Throws RequirementError when missing, DataError when wrong.
   */
  files(datasetId: string): Promise<Record<string, string>>;
  /** The verified bytes of the dataset's files, for mlcheck's own readers. Throws like files(). */
  contents(datasetId: string): Promise<Record<string, VerifiedFile>>;
}

/** The manifest format of datasets/*.json (documented in datasets/README.md). */
export interface DatasetFileManifest {
  /** Canonical file name of the decompressed content, e.g. "train-images-idx3-ubyte". */
  name: string;
  /** Other accepted names on disk; `<name>.gz` and `<alias>.gz` are always accepted too. */
  aliases?: string[];
  /** Informational: "idx", "csv", "onnx", "image", "text", ... (any file works). */
  format?: string;
  /** sha256 (hex) of the decompressed content, so .gz, re-compressed .gz and raw all verify. */
  sha256: string;
  /** Size in bytes of the decompressed content. */
  size: number;
  /** Download URLs, tried in order (canonical first, then mirrors); may serve .gz or raw. */
  urls: string[];
}

export interface DatasetManifest {
  id: string;
  title: string;
  /** Folder name under a data dir, the cache dir and download targets. */
  directory: string;
  license?: string;
  /** Well-known folders that hold the files directly (e.g. Debian's /usr/share/datasets/fashion-mnist). */
  systemPaths?: string[];
  /** Distribution packages that install the files into systemPaths, e.g. {"debian": "dataset-fashion-mnist"}. */
  systemPackages?: Record<string, string>;
  /** The files, by the key workloads use (e.g. trainImages). */
  files: Record<string, DatasetFileManifest>;
}

/** Where a file was looked for: the folder and why it was searched. */
export type LocationKind = 'data-dir' | 'cache' | 'system' | 'package';

export interface SearchLocation {
  kind: LocationKind;
  /** Folder that holds the dataset's files directly (already includes the dataset's directory). */
  dir: string;
  /** How the folder was chosen, e.g. "--data-dir", "MLCHECK_DATA_DIR", "$XDG_CACHE_HOME/mlcheck". */
  origin: string;
}

export interface DatasetProgress {
  datasetId: string;
  fileKey: string;
  phase: 'verify' | 'download' | 'retry' | 'copy' | 'done';
  /** Bytes done so far (download: received including resumed bytes). */
  bytes?: number;
  totalBytes?: number;
  url?: string;
  attempt?: number;
  message?: string;
}

export interface DownloadOptions {
  /** URLs to try for a file, replacing the manifest's (tests, local mirrors). */
  urls?: (datasetId: string, fileKey: string, file: DatasetFileManifest) => readonly string[];
  /** Attempts per URL list (each attempt tries every URL once). Default 3. */
  attempts?: number;
  /** Backoff before attempt n (n >= 2): backoffMs * 2^(n-2). Default 500 ms. */
  backoffMs?: number;
  /** Abort a request that receives nothing for this long. Default 30 s. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}
