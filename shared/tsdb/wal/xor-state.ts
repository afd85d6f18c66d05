/**
 * XorState: each series' previous value bits, which samples records XOR their values against.
 * The state belongs to one segment file: it starts empty at the top of every segment, so each
 * segment decodes on its own (replay from a checkpoint, repair at any segment). Small refs are
 * kept in dense typed arrays: the bits by ref, and one bit per ref saying whether it has any in
 * this segment, cleared at a reset (once a segment: a word per 32 refs); refs at or above
 * DENSE_LIMIT fall back to a Map. Bits are held as two u32 words so NaN payloads are never
 * routed through a JavaScript number.
 */

const DENSE_LIMIT = 1 << 24;

export class XorState {
  /** Bit ref & 31 of word ref >>> 5: ref's bits are set in this segment. */
  #set = new Uint32Array(32);
  #bits = new Uint32Array(2048);
  #sparse = new Map<number, number>(); // ref → index into #sparseBits
  #sparseBits: number[] = [];

  /** reset forgets every series' previous value. */
  reset(): void {
    this.#set.fill(0);
    this.#sparse.clear();
    this.#sparseBits.length = 0;
  }

  /** #has says whether `ref` (dense, within capacity) has bits, and marks that it has from now on. */
  #has(ref: number): boolean {
    const w = ref >>> 5, m = 1 << (ref & 31);
    const had = (this.#set[w] & m) !== 0;
    this.#set[w] |= m;
    return had;
  }

  /**
   * swap stores (hi, lo) as the previous bits of `ref` and writes the old ones (0, 0 when there
   * were none) into out[0], out[1].
   */
  swap(ref: number, hi: number, lo: number, out: Uint32Array): void {
    if (ref < DENSE_LIMIT) {
      if (ref * 2 >= this.#bits.length) this.#grow(ref);
      const j = ref * 2;
      if (this.#has(ref)) {
        out[0] = this.#bits[j];
        out[1] = this.#bits[j + 1];
      } else {
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
      if (ref * 2 >= this.#bits.length) this.#grow(ref);
      const j = ref * 2;
      let hi = xh, lo = xl;
      if (this.#has(ref)) {
        hi ^= this.#bits[j];
        lo ^= this.#bits[j + 1];
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
    let n = this.#bits.length / 2;
    while (n <= ref) n *= 2;
    const set = new Uint32Array(n / 32);
    set.set(this.#set);
    const bits = new Uint32Array(n * 2);
    bits.set(this.#bits);
    this.#set = set;
    this.#bits = bits;
  }
}
