/**
 * XorState: each series' previous value bits, which samples records XOR their values against.
 * The state belongs to one segment file: it starts empty at the top of every segment, so each
 * segment decodes on its own (replay from a checkpoint, repair at any segment). Small refs are
 * kept in dense typed arrays stamped with an epoch, so clearing is O(1); refs at or above
 * DENSE_LIMIT fall back to a Map. Bits are held as two u32 words so NaN payloads are never
 * routed through a JavaScript number.
 */

const DENSE_LIMIT = 1 << 24;

export class XorState {
  #epoch = 1;
  #stamp = new Uint32Array(1024);
  #bits = new Uint32Array(2048);
  #sparse = new Map<number, number>(); // ref → index into #sparseBits
  #sparseBits: number[] = [];

  /** reset forgets every series' previous value. */
  reset(): void {
    this.#epoch++;
    if (this.#epoch === 0xffffffff) {
      this.#stamp.fill(0);
      this.#epoch = 1;
    }
    this.#sparse.clear();
    this.#sparseBits.length = 0;
  }

  /**
   * swap stores (hi, lo) as the previous bits of `ref` and writes the old ones (0, 0 when there
   * were none) into out[0], out[1].
   */
  swap(ref: number, hi: number, lo: number, out: Uint32Array): void {
    if (ref < DENSE_LIMIT) {
      if (ref >= this.#stamp.length) this.#grow(ref);
      const j = ref * 2;
      if (this.#stamp[ref] === this.#epoch) {
        out[0] = this.#bits[j];
        out[1] = this.#bits[j + 1];
      } else {
        this.#stamp[ref] = this.#epoch;
        out[0] = 0;
        out[1] = 0;
      }
      this.#bits[j] = hi;
      this.#bits[j + 1] = lo;
      return;
    }
    // Slow path: huge refs.
    const k = this.#sparse.get(ref);
    if (k === undefined) {
      this.#sparse.set(ref, this.#sparseBits.length);
      this.#sparseBits.push(hi, lo);
      out[0] = 0;
      out[1] = 0;
    } else {
      out[0] = this.#sparseBits[k];
      out[1] = this.#sparseBits[k + 1];
      this.#sparseBits[k] = hi;
      this.#sparseBits[k + 1] = lo;
    }
  }

  /**
   * apply XORs (xh, xl) into the previous bits of `ref` (0 when there were none), stores the
   * result as the new previous bits and writes it into out[0] (hi), out[1] (lo).
   */
  apply(ref: number, xh: number, xl: number, out: Uint32Array): void {
    if (ref < DENSE_LIMIT) {
      if (ref >= this.#stamp.length) this.#grow(ref);
      const j = ref * 2;
      let hi = xh, lo = xl;
      if (this.#stamp[ref] === this.#epoch) {
        hi ^= this.#bits[j];
        lo ^= this.#bits[j + 1];
      } else {
        this.#stamp[ref] = this.#epoch;
      }
      this.#bits[j] = hi;
      this.#bits[j + 1] = lo;
      out[0] = hi;
      out[1] = lo;
      return;
    }
    // Slow path: huge refs.
    const k = this.#sparse.get(ref);
    let hi = xh, lo = xl;
    if (k === undefined) {
      this.#sparse.set(ref, this.#sparseBits.length);
      this.#sparseBits.push(hi, lo);
    } else {
      hi = (hi ^ this.#sparseBits[k]) >>> 0;
      lo = (lo ^ this.#sparseBits[k + 1]) >>> 0;
      this.#sparseBits[k] = hi;
      this.#sparseBits[k + 1] = lo;
    }
    out[0] = hi;
    out[1] = lo;
  }

  #grow(ref: number): void {
    let n = this.#stamp.length;
    while (n <= ref) n *= 2;
    const stamp = new Uint32Array(n);
    stamp.set(this.#stamp);
    const bits = new Uint32Array(n * 2);
    bits.set(this.#bits);
    this.#stamp = stamp;
    this.#bits = bits;
  }
}
