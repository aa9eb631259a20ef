import { redactProxyUrl } from './proxy-redact.js';

/** The proxy settings of the environment, read as curl reads them. */
export interface ProxySettings {
  /** For http:// URLs, and for https:// ones when httpsProxy is unset. A URL with its scheme (normalizeProxyUrl). */
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  /** Hosts reached directly: comma- or space-separated names (a leading dot or none: the domain and its subdomains), host:port, or "*". */
  noProxy: string | undefined;
}

/** The lower-case name wins over the upper-case one, as in curl and wget; an empty value counts as unset. */
export function proxySettings(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const read = (name: string): string | undefined => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
  const proxy = (name: string): string | undefined => {
    const value = read(name);
    return value === undefined ? undefined : normalizeProxyUrl(value);
  };
  return { httpProxy: proxy('http_proxy'), httpsProxy: proxy('https_proxy'), noProxy: read('no_proxy') };
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** curl's port for a proxy named without one and without a scheme (CURLOPT_PROXY). */
const CURL_DEFAULT_PROXY_PORT = 1080;

/**
 * A proxy value as curl reads it: without a scheme (`alice:pw@proxy:3128`, `proxy`) it is an
 * HTTP proxy, on port 1080 when none is given. A value with a scheme is taken as written (a
 * port-less http:// URL means port 80, as undici, npm and pip read it). Without this,
 * `alice:pw@proxy:3128` parses as a URL of scheme "alice:" with no password to redact.
 */
export function normalizeProxyUrl(value: string): string {
  const trimmed = value.trim();
  if (SCHEME.test(trimmed)) return trimmed;
  let url: URL;
  try {
    url = new URL(`http://${trimmed}`);
  } catch {
    return trimmed;
  }
  if (url.port === '') url.port = String(CURL_DEFAULT_PROXY_PORT);
  return url.toString().replace(/\/$/, '');
}

/** "HTTPS_PROXY=http://proxy:3128, NO_PROXY=.site" for messages, passwords redacted; null when no proxy is set. */
export function describeProxySettings(settings: ProxySettings): string | null {
  const parts = [
    settings.httpsProxy && `HTTPS_PROXY=${redactProxyUrl(settings.httpsProxy)}`,
    settings.httpProxy && `HTTP_PROXY=${redactProxyUrl(settings.httpProxy)}`,
  ].filter(Boolean);
  if (parts.length === 0) return null;
  return [...parts, settings.noProxy && `NO_PROXY=${settings.noProxy}`].filter(Boolean).join(', ');
}
