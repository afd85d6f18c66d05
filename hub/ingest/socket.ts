/**
 * The ingest server's view of one edge connection: a small interface of our own in front of the
 * WebSocket library (STYLE 11), so that session logic runs unchanged over a real `ws` socket or
 * an in-memory pair in tests. The transport calls the session's handlers; the session calls the
 * socket's methods. Also the transport checks of the design: TLS, or a loopback peer.
 */

/** IngestSocket: what a session needs of its connection. Methods never throw. */
export interface IngestSocket {
  /** The peer's address as the transport saw it (IPv4, IPv6, or IPv4-mapped IPv6). */
  readonly remoteAddress: string;
  /** True when the connection is TLS (wss://). */
  readonly secure: boolean;
  /** send queues one binary message. Ignored once the socket is closing. */
  send(bytes: Uint8Array): void;
  /** close ends the connection with a WebSocket close code and a reason of at most 123 bytes. */
  close(code: number, reason: string): void;
  /** bufferedBytes: bytes queued for sending and not yet handed to the OS. */
  readonly bufferedBytes: number;
  /** pause / resume stop and restart delivery of incoming messages (backpressure). */
  pause(): void;
  resume(): void;
}

/** SessionHandlers: what the transport calls; one instance per connection. */
export interface SessionHandlers {
  /** onMessage receives one binary message, in order. */
  onMessage(bytes: Uint8Array): void;
  /** onClose runs once when the connection ended, whoever closed it. */
  onClose(code: number, reason: string): void;
}

/**
 * isLoopback reports whether `address` is a loopback address: 127.0.0.0/8, ::1, or 127.x mapped
 * into IPv6 (::ffff:127.x.y.z).
 */
export function isLoopback(address: string): boolean {
  let a = address.toLowerCase();
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  if (a.startsWith('::ffff:')) a = a.slice('::ffff:'.length);
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}
