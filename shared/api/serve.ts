/**
 * serve: runs a hono app on @hono/node-server at a Prometheus-style listen address
 * (`host:port`, `:port` for every interface, `[::1]:port` for IPv6).
 */
import { serve as nodeServe } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AddressInfo } from 'node:net';

/** ListenAddress: a parsed `--web.listen-address`. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** parseListenAddress parses `host:port`; throws an Error naming the address when it is malformed. */
export function parseListenAddress(address: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`invalid listen address ${JSON.stringify(address)}: want host:port, :port or [ipv6]:port`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Server: a listening app. close() stops accepting and resolves once open connections end. */
export interface Server {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** serve starts listening and resolves once the socket is bound (port 0 picks a free port). */
export function serve(app: Hono, address: ListenAddress): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = nodeServe({ fetch: app.fetch, hostname: address.host, port: address.port }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        host: address.host,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          }),
      });
    });
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`listen on ${address.host}:${address.port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`, { cause: err })),
    );
  });
}
