/**
 * SeriesState: the per-series coding state that the edge's encoder and the hub's decoder keep in
 * step on one connection, indexed by connection series ref: the previous value (which the next one
 * is coded against), the bit width of the last integer delta, and the last XOR window. Columns are
 * typed arrays that grow by doubling; a new series starts at value 0 with no width and no window.
 */

/** SeriesState: columns of per-series state. Not for concurrent use; reset it on a new connection. */
export class SeriesState {
  /** The previous value of each series (exact bits). */
  prev = new Float64Array(0);
  /** The width in bits of each series' integer-delta field; 0: none set yet. */
  width = new Uint8Array(0);
  /** The leading-zero count of each series' XOR window. */
  lead = new Uint8Array(0);
  /** The significant-bit count of each series' XOR window; 0: none set yet. */
  sig = new Uint8Array(0);
  /** How many series are defined. */
  size = 0;

  /** add defines `n` more series (refs size … size+n-1), each with the initial state. */
  add(n: number): void {
    const need = this.size + n;
    if (need > this.prev.length) {
      let cap = Math.max(64, this.prev.length * 2);
      while (cap < need) cap *= 2;
      this.prev = grow(this.prev, new Float64Array(cap));
      this.width = grow(this.width, new Uint8Array(cap));
      this.lead = grow(this.lead, new Uint8Array(cap));
      this.sig = grow(this.sig, new Uint8Array(cap));
    }
    this.size = need;
  }

  /** truncate forgets every series from ref `size` on, restoring their initial state. */
  truncate(size: number): void {
    if (size > this.size) throw new Error(`BUG: truncate to ${size} above ${this.size}`);
    this.prev.fill(0, size, this.size);
    this.width.fill(0, size, this.size);
    this.lead.fill(0, size, this.size);
    this.sig.fill(0, size, this.size);
    this.size = size;
  }

  /** reset forgets every series. */
  reset(): void {
    this.truncate(0);
  }
}

function grow<T extends Float64Array | Uint8Array>(old: T, next: T): T {
  next.set(old);
  return next;
}
