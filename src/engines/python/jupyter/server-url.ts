import { isIP } from 'node:net';
import { UsageError } from '../../../util/errors.js';

export interface ServerUrl {
  /** The base URL, ending in `/`. */
  url: string;
  /** http:// to a host other than this machine: the token and the kernel's traffic cross the network in clear. */
  warning: string | null;
}

/** Checks a --jupyter URL: http or https, no credentials or token in it (argv is public), a base ending in `/`. */
export function parseServerUrl(value: string): ServerUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('--jupyter: not a URL', { expected: 'the server\'s base URL, e.g. http://127.0.0.1:8888/ or https://hub.example.org/user/alice/', fix: 'give the URL the server prints at start-up, without its ?token=' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--jupyter: ${url.protocol}// is not a Jupyter server URL`, { expected: 'http:// or https://', found: url.protocol });
  if (url.username !== '' || url.password !== '' || url.searchParams.has('token')) {
    throw new UsageError('--jupyter: the URL carries a token or credentials, which any local user can read in the process list', { fix: 'give the URL without them, and the token in JUPYTER_TOKEN or --jupyter-token-file' });
  }
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  const text = url.toString();
  const warning = url.protocol === 'http:' && !isLoopback(url.hostname) ? `${text} is plain http:// to another machine: the token and everything the kernel runs cross the network unencrypted; use https://` : null;
  return { url: text, warning };
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}
