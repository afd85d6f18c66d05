/**
 * BodyBuffer: a growable byte buffer that a caller owns and lends to HttpClient.get() for one
 * response at a time, so that a scrape loop receives every page into the same memory instead of
 * collecting the socket's chunks and concatenating them (a fresh megabyte per page for a large
 * target, which the garbage collector then has to find). It keeps the capacity of the largest
 * recent body, with an eighth more: a page a few bytes longer than the last (its values grew)
 * fits, instead of replacing the buffer while views of the previous page (the scrape cache's)
 * still hold the old one. One far smaller than the capacity several times in a row gives the
 * memory back.
 */

/** Bodies in a row far below the capacity before it is given back. */
const SHRINK_AFTER = 8;
/** Capacities up to this are kept whatever the bodies' size. */
const KEEP_BYTES = 1 << 20;

export class BodyBuffer {
  #buf: Buffer = Buffer.alloc(0);
  #len = 0;
  #small = 0;
  /** busy: lent out; the owner sets and clears it (see ScrapeLoop), so two scrapes never share it. */
  busy = false;

  /** reset starts a new body; `expected` (Content-Length, 0 when unknown) sizes the buffer at once. */
  reset(expected = 0): void {
    this.#len = 0;
    if (expected > this.#buf.length) this.#resize(expected + (expected >> 3));
  }

  /** append copies `chunk` after the bytes received so far, growing the buffer when full. */
  append(chunk: Uint8Array): void {
    const need = this.#len + chunk.length;
    // Slow path: the body outgrew the buffer.
    if (need > this.#buf.length) this.#resize(Math.max(need + (need >> 3), 2 * this.#buf.length, 4096));
    this.#buf.set(chunk, this.#len);
    this.#len = need;
  }

  /**
   * finish returns the body received since reset(): a view of the buffer, valid until the next
   * reset. A buffer far larger than the body for SHRINK_AFTER bodies in a row shrinks afterwards.
   */
  finish(): Buffer {
    const body = this.#buf.subarray(0, this.#len);
    if (this.#buf.length > KEEP_BYTES && this.#len * 4 < this.#buf.length) {
      if (++this.#small >= SHRINK_AFTER) {
        this.#small = 0;
        this.#buf = Buffer.alloc(0); // the view above keeps the old memory until the page is read
      }
    } else this.#small = 0;
    return body;
  }

  /** capacity is the number of bytes the buffer holds. */
  get capacity(): number {
    return this.#buf.length;
  }

  #resize(cap: number): void {
    const next = Buffer.allocUnsafe(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
}
