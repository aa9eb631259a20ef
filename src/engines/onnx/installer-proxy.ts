import { proxySettings } from '../../util/proxy-env.js';

/**
 * onnxruntime-node's installer reaches the network through global-agent, which reads only
 * GLOBAL_AGENT_HTTP(S)_PROXY and GLOBAL_AGENT_NO_PROXY: the environment's HTTPS_PROXY, HTTP_PROXY
 * and NO_PROXY (lower-case first) are handed over under those names, unless they are set already.
 */
export function installerProxyEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const settings = proxySettings(env);
  const out: NodeJS.ProcessEnv = {};
  if (settings.httpProxy && !env.GLOBAL_AGENT_HTTP_PROXY) out.GLOBAL_AGENT_HTTP_PROXY = settings.httpProxy;
  if (settings.httpsProxy && !env.GLOBAL_AGENT_HTTPS_PROXY) out.GLOBAL_AGENT_HTTPS_PROXY = settings.httpsProxy;
  if (settings.noProxy && !env.GLOBAL_AGENT_NO_PROXY) out.GLOBAL_AGENT_NO_PROXY = globalAgentNoProxy(settings.noProxy);
  return out;
}

/**
 * curl's NO_PROXY names a domain with its subdomains ("example.com" or ".example.com");
 * global-agent matches wildcard patterns, so each becomes "example.com,*.example.com".
 */
export function globalAgentNoProxy(noProxy: string): string {
  const patterns = noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .flatMap((entry) => {
      if (entry === '*') return ['*'];
      const domain = entry.replace(/^\*?\./, '');
      return [domain, `*.${domain}`];
    });
  return [...new Set(patterns)].join(',');
}
