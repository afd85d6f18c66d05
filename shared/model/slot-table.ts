/**
 * SlotTable: the open-addressing slots of a table that finds integer ids by content. The owner
 * keeps what an id stands for and its hash, and tells the table how to read them: `hashOf(id)`
 * and `same(id, key)` (LabelSetTable: Labels objects and a Uint32Array of hashes; the label
 * index's SeriesSets: numbers and the hash in an arena). The owner also checks that an id is held
 * before it deletes it. Deleting shifts later ids of a probe run back (no tombstones), so lookups
 * do not slow down with churn.
 *
 *     slots (power of two, linear probing, at most 5/8 full)
 *     ┌───┬───┬───┬───┬───┬───┬───┬───┐
 *     │ 0 │ 7 │ 0 │ 3 │ 9 │ 0 │ 0 │ 1 │   0: empty; an id of hash h sits at slot h & mask or after it
 *     └───┴───┴───┴───┴───┴───┴───┴───┘
 *
 * Ids are integers in [1, 2^32), hashes 32-bit integers (signed or unsigned, the same kind
 * throughout one table). Not safe for concurrent use.
 */

/** The slots are kept at most this full (as a fraction: 5/8). */
const LOAD_NUM = 5, LOAD_DEN = 8;

export class SlotTable<K> {
  readonly #hashOf: (id: number) => number;
  readonly #same: (id: number, key: K) => boolean;
  #slots = new Uint32Array(16);
  #mask = 15;
  #size = 0;

  /** hashOf(id): the hash of a held id; same(id, key): whether held `id` stands for `key`. */
  constructor(hashOf: (id: number) => number, same: (id: number, key: K) => boolean) {
    this.#hashOf = hashOf;
    this.#same = same;
  }

  /** size: the number of ids held. */
  get size(): number {
    return this.#size;
  }

  /** find returns the held id of hash `h` that stands for `key`, or 0. */
  find(h: number, key: K): number {
    const slots = this.#slots, mask = this.#mask, hashOf = this.#hashOf, same = this.#same;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = slots[i];
      if (id === 0) return 0;
      if (hashOf(id) === h && same(id, key)) return id;
    }
  }

  /** add holds `id`, of hash `h` (hashOf(id) may answer only afterwards). The id must not be held. */
  add(id: number, h: number): void {
    if ((this.#size + 1) * LOAD_DEN > this.#slots.length * LOAD_NUM) this.#rehash(this.#slots.length * 2);
    this.#place(id, h);
    this.#size++;
  }

  /** delete forgets `id`, which must be held (the owner checks; one not held is a bug and throws). */
  delete(id: number): void {
    const slots = this.#slots, mask = this.#mask, hashOf = this.#hashOf;
    let i = hashOf(id) & mask;
    while (slots[i] !== id) {
      if (slots[i] === 0) throw new Error(`BUG: slot table id ${id} deleted but not held`);
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later ids of the run into the hole when their home slot allows.
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hashOf(slots[j]) & mask;
      // The id at j may move to i when its home is not in the cyclic range (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        slots[i] = slots[j];
        i = j;
      }
    }
    slots[i] = 0;
    this.#size--;
  }

  /** bytes: memory held by the slots. */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  #place(id: number, h: number): void {
    const slots = this.#slots, mask = this.#mask;
    let i = h & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = id;
  }

  #rehash(capacity: number): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(capacity);
    this.#mask = capacity - 1;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.#place(old[i], this.#hashOf(old[i]));
  }
}
