import type { Progress } from '../types.js';
import type { HostMessage, HostRequest } from './protocol.js';

/**
 * How a session reaches kits/python/host.py's Host: a local interpreter over JSON lines
 * (host-process.ts), or a kernel a Jupyter server started (jupyter/kernel-host.ts).
 */
export interface KitTransport {
  /** Sends one request and returns the first answer that is not progress. */
  request(message: HostRequest, what: string, onProgress?: (event: Progress) => void): Promise<HostMessage>;
  /** Stops at once (an abort): the pending request fails. */
  kill(): void;
  /** Ends it and waits until it has ended. */
  close(): Promise<void>;
}
