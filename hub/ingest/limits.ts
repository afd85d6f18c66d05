/**
 * Ingest limits: the per-edge sample rate (a token bucket that delays, rather than drops, what
 * goes over it), and the hub-wide count of connections still in their handshake. Both are plain
 * counters driven by the caller's clock, so tests step time by hand.
 */

/** IngestLimits: what one hub accepts. Every field has a default (DEFAULT_INGEST_LIMITS). */
export interface IngestLimits {
  /** Most series one edge may define on a connection (sent to the edge as WELCOME.maxSeries). */
  maxSeriesPerEdge: number;
  /** Sustained samples per second per edge; batches above it are delayed. 0 = no limit. */
  maxSamplesPerSecond: number;
  /** Samples an edge may send at once above the sustained rate (the bucket size). */
  burstSamples: number;
  /** Connections that may be between accept and WELCOME at once; more are told to retry later. */
  maxConcurrentHandshakes: number;
  /** What a refused handshake is told to wait, in ms (jittered up to twice this). */
  handshakeRetryAfterMs: number;
  /** A connection that sends no HELLO within this many ms is closed. */
  handshakeTimeoutMs: number;
  /** Bytes of frames a session may hold unprocessed (waiting for the rate limit or for storage). */
  maxQueuedBytes: number;
  /** Largest frame, in bytes (sent to the edge as WELCOME.maxFrameBytes). */
  maxFrameBytes: number;
}

export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxSeriesPerEdge: 1 << 20,
  maxSamplesPerSecond: 0,
  burstSamples: 1 << 20,
  maxConcurrentHandshakes: 64,
  handshakeRetryAfterMs: 1000,
  handshakeTimeoutMs: 10_000,
  maxQueuedBytes: 64 << 20,
  maxFrameBytes: 16 << 20,
});

/** resolveLimits fills defaults and throws a RangeError naming the first bad limit. */
export function resolveLimits(l: Partial<IngestLimits> = {}): IngestLimits {
  const r: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...l };
  for (const [k, v] of Object.entries(r)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`ingest limit ${k} must be an integer ≥ 0, got ${v}`);
  }
  if (r.maxFrameBytes < 1024) throw new RangeError(`ingest limit maxFrameBytes must be at least 1024, got ${r.maxFrameBytes}`);
  if (r.maxSeriesPerEdge < 1) throw new RangeError('ingest limit maxSeriesPerEdge must be at least 1');
  return r;
}

/**
 * RateLimiter: a token bucket of `burst` samples refilled at `rate` per second. `take(n, now)`
 * returns 0 and spends n when they are available, else the ms to wait before n will be (spending
 * nothing). A request above the bucket size is allowed once the bucket is full, going into debt,
 * so that a batch larger than the burst is delayed, never refused forever. rate 0: no limit.
 */
export class RateLimiter {
  #tokens: number;
  #last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#last = now;
  }

  take(n: number, now: number): number {
    if (this.rate === 0) return 0;
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.rate) / 1000);
    this.#last = now;
    const need = Math.min(n, this.burst);
    if (this.#tokens >= need) {
      this.#tokens -= n;
      return 0;
    }
    return Math.max(1, Math.ceil(((need - this.#tokens) * 1000) / this.rate));
  }
}
