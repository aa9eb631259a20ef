import { ServerConnection } from '@jupyterlab/services';
import WebSocket from 'ws';

/** @jupyterlab/services' settings for a server: Node's fetch, the `ws` WebSocket, token authentication. */
export function serverSettings(options: { url: string; token: string }): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: options.url,
    token: options.token,
    // Outside a browser there is no cookie to carry the token: it goes in the WebSocket URL too.
    appendToken: true,
    fetch: (input, init) => fetch(input, init),
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
}
