/**
 * A reverse proxy on loopback in front of one server, as a site's nginx in front of JupyterHub:
 * it forwards every request and WebSocket upgrade unchanged and records what such a proxy logs
 * (method and URL) and whether the request carried an Authorization header. `answer` may stand
 * in for the server on chosen requests (a server that fails with HTTP 500, say).
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** Path and query, as an access log writes them. */
  url: string;
  authorization: string | null;
  upgrade: boolean;
}

export interface RecordingReverseProxy {
  /** The base URL to give clients instead of the server's. */
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/** An answer the proxy gives itself instead of forwarding the request. */
export interface StandInAnswer {
  status: number;
  body: string;
}

export interface RecordingReverseProxyOptions {
  /** Returns an answer for a request the server must not see, or null to forward it. */
  answer?: (request: IncomingMessage) => StandInAnswer | null;
}

export async function startRecordingReverseProxy(target: string, options: RecordingReverseProxyOptions = {}): Promise<RecordingReverseProxy> {
  const upstream = new URL(target);
  const port = Number(upstream.port || 80);
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const record = (request: IncomingMessage, upgrade: boolean): void =>
    void requests.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization ?? null, upgrade });
  const server = createServer((request, response) => {
    record(request, false);
    const standIn = options.answer?.(request) ?? null;
    if (standIn !== null) {
      request.resume();
      return void response.writeHead(standIn.status, { 'content-type': 'application/json' }).end(standIn.body);
    }
    const forwarded = httpRequest({ host: upstream.hostname, port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => response.writeHead(502).end());
    request.pipe(forwarded);
  });
  server.on('upgrade', (request: IncomingMessage, client: Socket, head: Buffer) => {
    record(request, true);
    const socket = connect(port, upstream.hostname, () => {
      const headers: string[] = [];
      for (let i = 0; i < request.rawHeaders.length; i += 2) headers.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      socket.write(`${request.method} ${request.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) socket.write(head);
      socket.pipe(client);
      client.pipe(socket);
    });
    sockets.add(socket);
    socket.on('error', () => client.destroy());
    client.on('error', () => socket.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
