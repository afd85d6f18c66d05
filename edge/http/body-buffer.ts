/**
 * BodyBuffer: a growable byte buffer that a caller owns and lends to HttpClient.get() for one
 * response at a time, so that a scrape receives its page into memory that is reused instead of
 * collecting the socket's chunks and concatenating them (a fresh megabyte per page for a large
 * target, which the garbage collector then has to find). The memory is borrowed from a BodyPool
 * (by default the process' one) when a body needs it and given back by release(), so an owner
 * that released its buffer between scrapes holds none. The next body starts with room for the
 * last one's length, with an eighth more: a page a few bytes longer than the last (its values
 * grew) fits at once.
 */
import { bodyPool, type BodyPool } from './body-pool.ts';

const NONE = Buffer.alloc(0);
/**
 * The most bytes an expected length reserves at once: a server may declare any Content-Length
 * (beyond Buffer's maximum, allocating it throws), and a longer body grows as its bytes come.
 */
const MAX_RESERVE = 16 << 20;

export class BodyBuffer {
  readonly #pool: BodyPool;
  #buf: Buffer = NONE;
  #len = 0;
  /** The length of the last body finished: the likely size of the next. */
  #last = 0;
  /** busy: lent out; the owner sets and clears it (see ScrapeLoop), so two scrapes never share it. */
  busy = false;

  constructor(pool: BodyPool = bodyPool) {
    this.#pool = pool;
  }

  /**
   * reset starts a new body; `expected` (Content-Length, 0 when unknown, then the last body's
   * length is assumed) sizes the buffer at once, up to MAX_RESERVE.
   */
  reset(expected = 0): void {
    this.#len = 0;
    const want = expected > 0 ? Math.min(expected, MAX_RESERVE) : this.#last;
    if (want > this.#buf.length) this.#resize(want, want + (want >> 3));
  }

  /** append copies `chunk` after the bytes received so far, growing the buffer when full. */
  append(chunk: Uint8Array): void {
    const need = this.#len + chunk.length;
    // Slow path: the body outgrew the buffer.
    if (need > this.#buf.length) this.#resize(need, Math.max(need + (need >> 3), 2 * this.#buf.length, 4096));
    this.#buf.set(chunk, this.#len);
    this.#len = need;
  }

  /** finish returns the body received since reset(): a view of the buffer, valid until the next reset or release. */
  finish(): Buffer {
    this.#last = this.#len;
    return this.#buf.subarray(0, this.#len);
  }

  /**
   * release gives the memory back to the pool once the body is read: no view of it may be used
   * afterwards (another borrower may be writing into it). Releasing twice is harmless.
   */
  release(): void {
    if (this.#buf.length > 0) this.#pool.give(this.#buf);
    this.#buf = NONE;
    this.#len = 0;
  }

  /** capacity is the number of bytes the buffer holds. */
  get capacity(): number {
    return this.#buf.length;
  }

  /** #resize moves the bytes so far into a buffer of at least `min` bytes (`size` when new) and gives the old one back. */
  #resize(min: number, size: number): void {
    const next = this.#pool.take(min, size);
    next.set(this.#buf.subarray(0, this.#len));
    if (this.#buf.length > 0) this.#pool.give(this.#buf);
    this.#buf = next;
  }
}
