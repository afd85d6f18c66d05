/**
 * The ingest server over real WebSockets (the `ws` library): it attaches to the hub's HTTP or
 * HTTPS server on the same port, taking over `upgrade` requests for one path
 * (`/api/v1/edge/stream` by default) and leaving every other upgrade alone. Each connection is
 * wrapped as an IngestSocket and handed to IngestServer.accept. Idle connections are probed with
 * WebSocket pings and dropped when a ping goes unanswered for an interval.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/index.ts';
import type { IngestServer } from './server.ts';
import type { IngestSocket, SessionHandlers } from './socket.ts';

/** INGEST_PATH: where edges connect. */
export const INGEST_PATH = '/api/v1/edge/stream';

/** WsIngestOptions for attachIngest. */
export interface WsIngestOptions {
  /** Default INGEST_PATH. */
  path?: string;
  /** WebSocket ping interval; a peer that misses a whole interval is dropped (default 30 s). */
  keepaliveMs?: number;
}

/** WsIngest: the attached transport; close() detaches it and terminates its connections. */
export interface WsIngest {
  readonly path: string;
  close(): Promise<void>;
}

class WsSocket implements IngestSocket {
  readonly remoteAddress: string;
  readonly secure: boolean;

  constructor(
    readonly ws: WebSocket,
    req: IncomingMessage,
  ) {
    this.remoteAddress = req.socket.remoteAddress ?? '';
    this.secure = (req.socket as TLSSocket).encrypted === true;
  }

  send(bytes: Uint8Array): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(bytes, { binary: true });
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/**
 * attachIngest serves `ingest` on `server`'s upgrade requests for the ingest path. Frames above
 * the ingest limit's maxFrameBytes are refused by the session with FRAME_TOO_LARGE; a message
 * far above it (by more than 64 KiB) is cut off by the WebSocket layer itself (close code 1009)
 * before it is buffered whole.
 */
export function attachIngest(server: HttpServer | HttpsServer, ingest: IngestServer, options: WsIngestOptions = {}): WsIngest {
  const path = options.path ?? INGEST_PATH;
  const wss = new WebSocketServer({ noServer: true, maxPayload: ingest.limits.maxFrameBytes + 65536, perMessageDeflate: false });
  const alive = new WeakSet<WebSocket>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    if (url.pathname !== path) return; // another upgrade handler's
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.add(ws);
      const handlers: SessionHandlers = ingest.accept(new WsSocket(ws, req));
      ws.on('pong', () => alive.add(ws));
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          ws.close(CloseCode.PROTOCOL, 'text messages are not part of the protocol');
          return;
        }
        handlers.onMessage(toBytes(data));
      });
      ws.on('close', (code, reason) => handlers.onClose(code, reason.toString('utf8')));
      ws.on('error', () => undefined); // followed by 'close'
    });
  };
  server.on('upgrade', onUpgrade);

  const keepalive = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.keepaliveMs ?? 30_000);
  keepalive.unref();

  return {
    path,
    async close() {
      clearInterval(keepalive);
      server.off('upgrade', onUpgrade);
      await ingest.close();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
