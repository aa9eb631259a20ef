import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { UsageError } from '../util/errors.js';
import { proxySettings } from '../util/proxy-env.js';
import { redactProxyUrl } from '../util/proxy-redact.js';

/**
 * undici's agent for the environment's proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lower-case
 * first; a value without a scheme read as curl reads it), or a plain agent when none is set. The
 * values are passed explicitly, so a caller's env (not only process.env) decides, and an unset one
 * is '' rather than undefined, which undici would read from process.env again.
 */
export function proxyDispatcher(env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const settings = proxySettings(env);
  if (!settings.httpProxy && !settings.httpsProxy) return new Agent();
  for (const [name, value] of [['HTTP_PROXY', settings.httpProxy], ['HTTPS_PROXY', settings.httpsProxy]] as const) {
    if (value !== undefined && !/^https?:\/\//i.test(value)) {
      throw new UsageError(`${name}=${redactProxyUrl(value)}: mlcheck's downloads go through http:// and https:// proxies only`, {
        expected: 'http://[user:password@]host:port (or host:port, read as http://)',
        fix: `set ${name} to the site's HTTP proxy, or unset it`,
      });
    }
  }
  return new EnvHttpProxyAgent({ httpProxy: settings.httpProxy ?? '', httpsProxy: settings.httpsProxy ?? '', noProxy: settings.noProxy ?? '' });
}
