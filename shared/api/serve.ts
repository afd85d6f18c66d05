/**
 * serve: runs a hono app on @hono/node-server at a Prometheus-style listen address
 * (`host:port`, `:port` for every interface, `[::1]:port` for IPv6), over plain HTTP or, given a
 * web config's `tls_server_config`, over node:https with its client certificate policy.
 */
import { serve as nodeServe } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TlsServerConfig } from './web-config.ts';

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
  /** The node server underneath, for WebSocket upgrades on the same port (the hub's ingest). */
  readonly node: HttpServer | HttpsServer;
  close(): Promise<void>;
}

/** ServeOptions: how to serve beyond the address. */
export interface ServeOptions {
  /** Serve HTTPS with this certificate and client policy (web-config.ts). */
  tls?: TlsServerConfig;
}

/**
 * tlsServerOptions maps a TlsServerConfig to node:https options. Node verifies client
 * certificates against `ca` only when it rejects unauthorized peers, so the policies that accept
 * unverified or absent certificates are finished by checkClientCert on each connection.
 */
export function tlsServerOptions(t: TlsServerConfig) {
  const request = t.clientAuth !== 'NoClientCert';
  return {
    cert: t.cert,
    key: t.key,
    ca: t.ca,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    requestCert: request,
    rejectUnauthorized: t.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/** checkClientCert tells whether a TLS connection meets the policy (Go's tls.ClientAuthType). */
export function checkClientCert(socket: TLSSocket, t: TlsServerConfig): boolean {
  const cert = socket.getPeerCertificate();
  const given = cert !== null && Object.keys(cert).length > 0;
  switch (t.clientAuth) {
    case 'NoClientCert':
    case 'RequestClientCert':
      return true;
    case 'RequireAnyClientCert':
      return given;
    case 'VerifyClientCertIfGiven':
      return !given || socket.authorized;
    case 'RequireAndVerifyClientCert':
      return given && socket.authorized;
  }
}

/** serve starts listening and resolves once the socket is bound (port 0 picks a free port). */
export function serve(app: Hono, address: ListenAddress, opts: ServeOptions = {}): Promise<Server> {
  return new Promise((resolve, reject) => {
    const tls = opts.tls;
    const base = { fetch: app.fetch, hostname: address.host, port: address.port };
    const options = tls ? { ...base, createServer: createHttpsServer, serverOptions: tlsServerOptions(tls) } : base;
    const server = nodeServe(options, (info: AddressInfo) => {
      resolve({
        port: info.port,
        host: address.host,
        node: server as HttpServer | HttpsServer,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          }),
      });
    });
    if (tls) {
      server.on('secureConnection', (socket: TLSSocket) => {
        if (!checkClientCert(socket, tls)) socket.destroy();
      });
    }
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`listen on ${address.host}:${address.port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`, { cause: err })),
    );
  });
}
