/**
 * SampleColumns: the samples an appender buffers until commit, as three growable columns — series
 * refs, timestamps and values — and the oldest and newest timestamp pushed, so that a commit knows
 * without another pass whether the batch shares one timestamp (a scrape). Values stay in a
 * Float64Array so NaN bits (the staleness marker) survive. Released columns go to a small pool
 * that the next appender takes from: a scrape's appender would otherwise grow fresh typed arrays
 * from 64 entries on every commit. Not safe for concurrent use; one instance per appender.
 */

/** The column sets kept for reuse; more released sets are dropped. */
const MAX_SPARE = 4;
const spare: Array<{ refs: Uint32Array; ts: Float64Array; vs: Float64Array }> = [];

export class SampleColumns {
  refs: Uint32Array;
  ts: Float64Array;
  vs: Float64Array;
  /** The number of samples buffered: [0, n) of each column. */
  n = 0;
  /** The oldest and newest timestamp pushed (Infinity and -Infinity while empty). */
  tMin = Infinity;
  tMax = -Infinity;

  constructor() {
    // Fast path: columns released by an earlier appender. Slow path: new small ones.
    const s = spare.pop();
    this.refs = s?.refs ?? new Uint32Array(64);
    this.ts = s?.ts ?? new Float64Array(64);
    this.vs = s?.vs ?? new Float64Array(64);
  }

  /** push appends one sample, doubling the columns when they are full. */
  push(ref: number, t: number, v: number): void {
    const n = this.n;
    if (n === this.refs.length) this.#grow();
    this.refs[n] = ref;
    this.ts[n] = t;
    this.vs[n] = v;
    this.n = n + 1;
    if (t < this.tMin) this.tMin = t;
    if (t > this.tMax) this.tMax = t;
  }

  /**
   * keep moves the samples i with keep(i) true to the front, in order, and returns how many there
   * are (the new n). tMin and tMax are not narrowed.
   */
  keep(keep: (i: number) => boolean): number {
    const { refs, ts, vs } = this;
    let k = 0;
    for (let i = 0; i < this.n; i++) {
      if (!keep(i)) continue;
      refs[k] = refs[i];
      ts[k] = ts[i];
      vs[k] = vs[i];
      k++;
    }
    return (this.n = k);
  }

  /**
   * release hands the columns to the pool; this instance is empty afterwards. Whoever still holds
   * views of them (a WAL record being written) must be done first.
   */
  release(): void {
    if (this.refs.length > 0 && spare.length < MAX_SPARE) spare.push({ refs: this.refs, ts: this.ts, vs: this.vs });
    this.refs = new Uint32Array(0);
    this.ts = this.vs = new Float64Array(0);
    this.n = 0;
    this.tMin = Infinity;
    this.tMax = -Infinity;
  }

  #grow(): void {
    const cap = Math.max(64, this.refs.length * 2);
    const refs = new Uint32Array(cap), ts = new Float64Array(cap), vs = new Float64Array(cap);
    refs.set(this.refs);
    ts.set(this.ts);
    vs.set(this.vs);
    this.refs = refs;
    this.ts = ts;
    this.vs = vs;
  }
}
