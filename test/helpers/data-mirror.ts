import { createReadStream, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sharedDataDir } from './paths.js';

export interface DataMirror {
  /** http://127.0.0.1:<port>, laid out like a data dir: <url>/<directory>/<file>. */
  url: string;
  /** The paths requested so far, in order; tests may empty it. */
  requested: string[];
  close(): Promise<void>;
}

/** A local HTTP server for ../shared/data (what MLCHECK_DATASET_MIRROR points at in tests). */
export async function startDataMirror(): Promise<DataMirror> {
  const requested: string[] = [];
  const server = createServer((request, response) => {
    requested.push(request.url ?? '');
    const file = path.join(sharedDataDir, decodeURIComponent(request.url ?? '/'));
    if (!file.startsWith(sharedDataDir) || !existsSync(file)) return void response.writeHead(404).end();
    response.writeHead(200);
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
