import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { proxySettings } from '../util/proxy-env.js';

/**
 * undici's agent for the environment's proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lower-case
 * first), or a plain agent when none is set. The values are passed explicitly, so a caller's env
 * (not only process.env) decides, and an unset one is '' rather than undefined, which undici
 * would read from process.env again.
 */
export function proxyDispatcher(env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const settings = proxySettings(env);
  if (!settings.httpProxy && !settings.httpsProxy) return new Agent();
  return new EnvHttpProxyAgent({ httpProxy: settings.httpProxy ?? '', httpsProxy: settings.httpsProxy ?? '', noProxy: settings.noProxy ?? '' });
}
