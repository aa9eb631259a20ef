import { ServerConnection } from '@jupyterlab/services';
import WebSocket from 'ws';

/**
 * @jupyterlab/services' settings for a server: Node's fetch, the `ws` WebSocket, token
 * authentication. The token travels only in the `Authorization: token <t>` header, of the REST
 * calls (the library sets it) and of the kernel WebSocket's upgrade request (`ws` takes headers,
 * which a browser's WebSocket cannot): never in a URL, where proxies and servers log it.
 */
export function serverSettings(options: { url: string; token: string }): ServerConnection.ISettings {
  const headers: Record<string, string> = options.token === '' ? {} : { Authorization: `token ${options.token}` };
  class AuthorizedWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  return ServerConnection.makeSettings({
    baseUrl: options.url,
    token: options.token,
    // The library's default outside a browser appends ?token= to the WebSocket URL.
    appendToken: false,
    fetch: (input, init) => fetch(input, init),
    WebSocket: AuthorizedWebSocket as unknown as typeof globalThis.WebSocket,
  });
}
