/**
 * AckedSet: which backlog batches are done (acknowledged by the hub, or dropped), as a watermark
 * plus the done batches above it. Live data goes to the hub before the backlog behind it, so acks
 * arrive out of batch order; the set stays small because the watermark advances as soon as the
 * gap below it fills. It serialises to bytes for the backlog's position record.
 */

/** AckedSet: batch ids are positive integers; every id ≤ watermark is done. Not for concurrent use. */
export class AckedSet {
  #watermark: number;
  readonly #above = new Set<number>();

  constructor(watermark = 0, above: Iterable<number> = []) {
    this.#watermark = watermark;
    for (const id of above) this.add(id);
  }

  get watermark(): number {
    return this.#watermark;
  }

  /** aboveCount: done ids above the watermark. */
  get aboveCount(): number {
    return this.#above.size;
  }

  has(id: number): boolean {
    return id <= this.#watermark || this.#above.has(id);
  }

  /** add marks `id` done; returns false when it was already. */
  add(id: number): boolean {
    if (this.has(id)) return false;
    this.#above.add(id);
    while (this.#above.delete(this.#watermark + 1)) this.#watermark++;
    return true;
  }

  /** raise marks every id ≤ `w` done. */
  raise(w: number): void {
    if (w <= this.#watermark) return;
    this.#watermark = w;
    for (const id of this.#above) if (id <= w) this.#above.delete(id);
    while (this.#above.delete(this.#watermark + 1)) this.#watermark++;
  }

  /** encode: the ids above the watermark as little-endian f64s (the watermark travels beside). */
  encodeAbove(): Uint8Array {
    const ids = Float64Array.from([...this.#above].sort((a, b) => a - b));
    return new Uint8Array(ids.buffer);
  }

  /** decodeAbove reads what encodeAbove wrote; a length that is not a multiple of 8 is damage. */
  static decodeAbove(data: Uint8Array | undefined): number[] {
    if (!data || data.length === 0) return [];
    if (data.length % 8 !== 0) throw new Error(`acked-set record of ${data.length} bytes is not a list of f64`);
    const copy = new Uint8Array(data);
    return Array.from(new Float64Array(copy.buffer));
  }
}
