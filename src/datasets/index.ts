export { createDataAccess } from './access.js';
export type { DataAccessOptions, DatasetAccess, DatasetReport, FileReport, FoundCopy } from './access.js';
export { builtinRegistry, createRegistry, loadRegistry, parseManifest } from './registry.js';
export type { Registry } from './registry.js';
export { cacheRoot, dataDirRoot, packageDataRoot, searchLocations, acceptedNames } from './locations.js';
export { hashContent } from './content-hash.js';
export { downloadFile } from './download.js';
export * from './readers/index.js';
export type { DatasetFileManifest, DatasetManifest, DatasetProgress, DownloadOptions, SearchLocation, LocationKind, VerifiedFile } from './types.js';
