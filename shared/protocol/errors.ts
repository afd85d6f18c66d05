/**
 * Errors of the edge ↔ hub protocol. A `ProtocolError` is the one condition that transports check
 * for: the peer sent something this side cannot accept, or a connection-wide limit was reached. It
 * carries the WebSocket close code to close the connection with and a reason short enough for a
 * WebSocket close frame. Close codes live in the application range 4000–4999 and are listed in
 * docs/protocol.md.
 */

/** CloseCode: why a connection ends; sent as the WebSocket close code and in CLOSE and REFUSE frames. */
export const CloseCode = {
  /** A normal end (the standard WebSocket code). */
  NORMAL: 1000,
  /** The peer is shutting down (the standard WebSocket code). */
  GOING_AWAY: 1001,
  /** A frame broke the protocol: malformed, out of order, or inconsistent with the connection state. */
  PROTOCOL: 4000,
  /** The hello asked for a protocol version this side does not speak. */
  UNSUPPORTED_VERSION: 4001,
  /** The token was missing or wrong, or the transport was neither TLS nor loopback. */
  UNAUTHORIZED: 4002,
  /** A frame was larger than the receiver's maxFrameBytes. */
  FRAME_TOO_LARGE: 4003,
  /** A connection-wide table (series, series lists, strings) or the batch size limit is full. */
  LIMIT: 4004,
  /** Handshake limiting: retry after the REFUSE frame's retryAfterMs. */
  TRY_LATER: 4005,
  /** Another connection already streams under this edge name. */
  DUPLICATE: 4006,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** MAX_CLOSE_REASON_BYTES: a WebSocket close frame allows at most 123 bytes of UTF-8 reason. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * ProtocolError: the peer broke the protocol, or a limit was reached. `code` is the close code to
 * end the connection with; `message` names what was wrong; `closeReason` is `message` cut to fit a
 * WebSocket close frame. A decoder that throws it has applied nothing of the offending frame.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProtocolError';
  }

  /** closeReason is the message truncated to at most 123 UTF-8 bytes, on a character boundary. */
  get closeReason(): string {
    return truncateUtf8(this.message, MAX_CLOSE_REASON_BYTES);
  }
}

/** truncateUtf8 cuts `s` to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max - 3) break;
    out += ch;
    bytes += n;
  }
  return out + '...';
}

/** malformed builds the ProtocolError for a frame that breaks the protocol (close code 4000). */
export function malformed(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(CloseCode.PROTOCOL, message, cause === undefined ? undefined : { cause });
}
