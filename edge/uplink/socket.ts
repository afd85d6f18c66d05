/**
 * The uplink's view of its one outbound connection, behind a small interface of our own so the
 * streaming logic does not depend on the WebSocket library, and the dialer that makes a real
 * `ws` client connection (ws:// or wss://, with the CA and server name of the `hub` section's
 * tls_config). Also the exponential backoff with full jitter used between attempts.
 */
import WebSocket from 'ws';

/** UplinkSocket: an open connection to the hub. Methods never throw. */
export interface UplinkSocket {
  send(bytes: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Bytes queued for sending, not yet handed to the OS. */
  readonly bufferedBytes: number;
  /** Handlers the stream installs; messages arrive in order; onClose runs once. */
  onMessage: (bytes: Uint8Array) => void;
  onClose: (code: number, reason: string) => void;
}

/** Dialer opens a connection; it rejects when the connection could not be established. */
export type Dialer = () => Promise<UplinkSocket>;

/** TLSOptions: what a wss:// connection trusts. */
export interface TLSOptions {
  /** PEM CA certificates to trust instead of the system's. */
  ca?: string | Buffer;
  serverName?: string;
  insecureSkipVerify?: boolean;
}

/** dialWebSocket returns a Dialer for `url` (ws:// or wss://). */
export function dialWebSocket(url: string, tls: TLSOptions = {}, maxPayload = 16 << 20): Dialer {
  const u = new URL(url);
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`BUG: hub url ${url} is not ws:// or wss://`);
  return () =>
    new Promise<UplinkSocket>((resolve, reject) => {
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        maxPayload,
        handshakeTimeout: 10_000,
        ...(u.protocol === 'wss:' ? { ca: tls.ca, servername: tls.serverName || undefined, rejectUnauthorized: !tls.insecureSkipVerify } : {}),
      });
      ws.binaryType = 'nodebuffer';
      let opened = false;
      const sock: UplinkSocket = {
        send: (bytes) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: true });
        },
        close: (code, reason) => {
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
        },
        get bufferedBytes() {
          return ws.bufferedAmount;
        },
        onMessage: () => undefined,
        onClose: () => undefined,
      };
      ws.on('open', () => {
        opened = true;
        resolve(sock);
      });
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) sock.onMessage(data);
        else ws.close(4000, 'text messages are not part of the protocol');
      });
      ws.on('unexpected-response', (_req, res) => {
        reject(new Error(`connect ${url}: HTTP ${res.statusCode} instead of a WebSocket upgrade`));
        ws.terminate();
      });
      ws.on('error', (err) => {
        if (!opened) reject(new Error(`connect ${url}: ${err.message}`, { cause: err }));
      });
      ws.on('close', (code, reason) => {
        if (!opened) reject(new Error(`connect ${url}: closed during the handshake (${code})`));
        else sock.onClose(code, reason.toString('utf8'));
      });
    });
}

/**
 * Backoff: exponential delays between reconnects, from `initialMs` doubling to `maxMs`, each
 * drawn uniformly from [delay/2, delay] so that edges restarted together spread out. `reset`
 * after a connection that worked.
 */
export class Backoff {
  #attempt = 0;

  constructor(
    readonly initialMs = 500,
    readonly maxMs = 30_000,
    readonly random: () => number = Math.random,
  ) {}

  /** next returns the delay before the next attempt and counts the attempt. */
  next(): number {
    const cap = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.round(cap / 2 + (cap / 2) * this.random());
  }

  reset(): void {
    this.#attempt = 0;
  }
}
