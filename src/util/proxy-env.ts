/** The proxy settings of the environment, read as curl reads them. */
export interface ProxySettings {
  /** For http:// URLs, and for https:// ones when httpsProxy is unset. */
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  /** Hosts reached directly: comma- or space-separated names (a leading dot or none: the domain and its subdomains), host:port, or "*". */
  noProxy: string | undefined;
}

/** The lower-case name wins over the upper-case one, as in curl and wget; an empty value counts as unset. */
export function proxySettings(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const read = (name: string): string | undefined => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
  return { httpProxy: read('http_proxy'), httpsProxy: read('https_proxy'), noProxy: read('no_proxy') };
}

/** "HTTPS_PROXY=http://proxy:3128, NO_PROXY=.site" for messages; null when no proxy is set. */
export function describeProxySettings(settings: ProxySettings): string | null {
  const parts = [
    settings.httpsProxy && `HTTPS_PROXY=${redact(settings.httpsProxy)}`,
    settings.httpProxy && `HTTP_PROXY=${redact(settings.httpProxy)}`,
  ].filter(Boolean);
  if (parts.length === 0) return null;
  return [...parts, settings.noProxy && `NO_PROXY=${settings.noProxy}`].filter(Boolean).join(', ');
}

/** A proxy URL without its password. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
