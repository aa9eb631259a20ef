/**
 * A forward proxy for tests: CONNECT tunnels and absolute-URI HTTP requests, as curl, undici
 * and global-agent send them. It forwards only to loopback addresses; any other target is
 * refused with 403 and never contacted. Every request is recorded.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxyHit {
  method: string;
  /** host:port for CONNECT, the absolute URL otherwise. */
  target: string;
  forwarded: boolean;
  /** The Proxy-Authorization header the client sent, when it sent one. */
  proxyAuthorization?: string;
}

export interface ForwardProxy {
  url: string;
  hits: ProxyHit[];
  close(): Promise<void>;
}

const credentials = (headers: IncomingHttpHeaders): { proxyAuthorization?: string } =>
  headers['proxy-authorization'] === undefined ? {} : { proxyAuthorization: headers['proxy-authorization'] };

const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

export async function startForwardProxy(): Promise<ForwardProxy> {
  const hits: ProxyHit[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const target = request.url ?? '';
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      hits.push({ method: request.method ?? '', target, forwarded: false });
      return void response.writeHead(400).end('absolute URI expected');
    }
    const allowed = isLoopback(url.hostname);
    hits.push({ method: request.method ?? '', target, forwarded: allowed, ...credentials(request.headers) });
    if (!allowed) return void response.writeHead(403).end('test proxy: only loopback targets');
    const upstream = httpRequest({ host: url.hostname, port: url.port || 80, path: `${url.pathname}${url.search}`, method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  server.on('connect', (request, client: Socket, head: Buffer) => {
    const target = request.url ?? '';
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    const allowed = match !== null && isLoopback(match[1]!);
    hits.push({ method: 'CONNECT', target, forwarded: allowed, ...credentials(request.headers) });
    if (!allowed) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(Number(match[2]), match[1]!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on loopback that nothing listens on (for "no network"). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
