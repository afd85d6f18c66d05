/**
 * BodyPool: the memory that response bodies are received into, shared by the BodyBuffers of the
 * whole process (every scrape loop's page, gzip-coded or not), so that no target keeps a
 * page-sized buffer of its own from one scrape to the next. Scrapes of different targets rarely
 * overlap, so a few buffers serve them all; Prometheus pools its scrape buffers across loops for
 * the same reason (issue #6: memory per series).
 *
 * A buffer is lent whole to one borrower until given back, so two borrowers never share one.
 * take() lends the smallest idle buffer that holds the bytes asked for, unless it is far larger
 * (over KEEP_BYTES and four times the need: another target's, or a page that has since shrunk),
 * and allocates one otherwise. give() takes a buffer back. The pool keeps what the last few
 * scrapes used: at most `maxIdle` idle buffers (the least recently given go first), none idle
 * for longer than `idleMs`, so what a burst of concurrent scrapes or an unusually large page
 * needed goes back to the garbage collector. A timer (unref'd: it keeps no process alive) drops
 * idle buffers on time even when no scrape comes to take or give one (the targets are gone).
 */

/** Idle buffers kept: the pages of the usual number of concurrent scrapes. */
const MAX_IDLE = 4;
/** How long a buffer may stay idle: longer than the usual scrape intervals. */
const IDLE_MS = 5 * 60_000;
/** Buffers up to this size are lent for any need, however small. */
const KEEP_BYTES = 1 << 20;

/** BodyPoolOptions: the bounds of a pool, and its clock (ms) for tests. */
export interface BodyPoolOptions {
  maxIdle?: number;
  idleMs?: number;
  now?: () => number;
}

/** BodyPool: idle buffers to lend. Not safe for concurrent use (one thread; nothing yields inside). */
export class BodyPool {
  readonly #maxIdle: number;
  readonly #idleMs: number;
  readonly #now: () => number;
  /** Idle buffers, least recently given first, and when each was given. */
  readonly #idle: Buffer[] = [];
  readonly #since: number[] = [];
  /** The timer that expires the oldest idle buffer, while there is one. */
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: BodyPoolOptions = {}) {
    this.#maxIdle = opts.maxIdle ?? MAX_IDLE;
    this.#idleMs = opts.idleMs ?? IDLE_MS;
    this.#now = opts.now ?? (() => performance.now());
  }

  /**
   * take lends a buffer of at least `min` bytes: the smallest idle one that is not far larger, or
   * else a new one of `size` bytes (at least `min`). The borrower owns it until give().
   */
  take(min: number, size = min): Buffer {
    this.#expire();
    let best = -1;
    for (let i = 0; i < this.#idle.length; i++) {
      const cap = this.#idle[i].length;
      if (cap >= min && (best < 0 || cap < this.#idle[best].length)) best = i;
    }
    if (best >= 0) {
      const buf = this.#idle[best];
      if (buf.length <= KEEP_BYTES || buf.length <= 4 * min) {
        this.#idle.splice(best, 1);
        this.#since.splice(best, 1);
        return buf;
      }
    }
    return Buffer.allocUnsafe(Math.max(min, size));
  }

  /** give takes back a buffer that take() lent; the giver keeps no view of it. */
  give(buf: Buffer): void {
    if (this.#idle.includes(buf)) throw new Error('BUG: a body buffer given back twice');
    this.#idle.push(buf);
    this.#since.push(this.#now());
    this.#expire();
    if (this.#idle.length > this.#maxIdle) {
      const drop = this.#idle.length - this.#maxIdle;
      this.#idle.splice(0, drop);
      this.#since.splice(0, drop);
    }
    if (this.#timer === undefined) this.#schedule();
  }

  /** idleBuffers is the number of buffers the pool holds. */
  get idleBuffers(): number {
    return this.#idle.length;
  }

  /** idleBytes is the capacity of the buffers the pool holds. */
  get idleBytes(): number {
    let n = 0;
    for (const b of this.#idle) n += b.length;
    return n;
  }

  /** #expire drops the buffers idle for longer than idleMs (the oldest are first). */
  #expire(): void {
    const limit = this.#now() - this.#idleMs;
    let n = 0;
    while (n < this.#since.length && this.#since[n] < limit) n++;
    if (n === 0) return;
    this.#idle.splice(0, n);
    this.#since.splice(0, n);
  }

  /** #schedule sets the timer for when the oldest idle buffer expires, if there is one. */
  #schedule(): void {
    if (this.#idle.length === 0) return;
    const wait = Math.max(1, this.#since[0] + this.#idleMs - this.#now() + 1);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#expire();
      this.#schedule();
    }, wait).unref();
  }
}

/** bodyPool: the pool every BodyBuffer borrows from unless given another. */
export const bodyPool = new BodyPool();

/** unpooled: a pool that keeps nothing, for bodies handed over for good (their memory is the body's). */
export const unpooled = new BodyPool({ maxIdle: 0 });
