/**
 * LabelSetTable: label sets and the integer ids a table's owner gives them, found by content. It
 * is what the edge's encoder (connection refs), its backlog and the hub's HA dedup (cluster slots)
 * keep per series (the label index keeps its sets as numbers instead: storage/index/series-sets.ts),
 * so it is laid out for memory: the sets are the callers' own Labels objects (referenced, never
 * copied), hashes and the open-addressing slots are typed arrays, and a lookup of a set whose hash
 * is cached on it (Labels.hash) costs a probe and a comparison, without building a key string.
 *
 *     slots (power of two, linear probing)      by id
 *     ┌───┬───┬───┬───┬───┬───┬───┬───┐         ┌─────────┬──────────┐
 *     │ 0 │ 7 │ 0 │ 3 │ 9 │ 0 │ 0 │ 1 │  id ──► │ hashes  │ labels   │
 *     └───┴───┴───┴───┴───┴───┴───┴───┘         │ Uint32  │ Labels[] │
 *       0: empty; a set with hash h is found at slot h & mask or after it
 *
 * Ids are positive integers below 2^32, chosen by the owner (counted from 1); arrays indexed by id
 * grow to the largest one, so keep them dense.
 * Not safe for concurrent use.
 */
import type { Labels } from './labels.ts';

/** The slots are kept at most this full (as a fraction: 5/8). */
const LOAD_NUM = 5, LOAD_DEN = 8;

export class LabelSetTable {
  readonly #hash: (labels: Labels) => number;
  #labels: (Labels | undefined)[] = [undefined];
  #hashes = new Uint32Array(16);
  #slots = new Uint32Array(16);
  #mask = 15;
  #size = 0;

  /** `hash` replaces Labels.hash (tests inject colliding hashes); its low 32 bits are used. */
  constructor(hash: (labels: Labels) => number = (l) => l.hash()) {
    this.#hash = hash;
  }

  /** size: the number of sets held. */
  get size(): number {
    return this.#size;
  }

  /** get returns the id of the set equal to `labels`, or 0. */
  get(labels: Labels): number {
    const h = this.#hash(labels) >>> 0;
    const slots = this.#slots, hashes = this.#hashes, all = this.#labels, mask = this.#mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = slots[i];
      if (id === 0) return 0;
      if (hashes[id] === h && all[id]!.equals(labels)) return id;
    }
  }

  /** labels returns the set of `id`, or undefined. */
  labels(id: number): Labels | undefined {
    return this.#labels[id];
  }

  /**
   * add holds `labels` under `id`. The id must be unused and the set not held yet: breaking that
   * is a caller bug and throws.
   */
  add(labels: Labels, id: number): void {
    if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) throw new Error(`BUG: label set id ${id} is not an integer in [1, 2^32)`);
    if (this.#labels[id] !== undefined) throw new Error(`BUG: label set id ${id} already in use`);
    if (this.get(labels) !== 0) throw new Error(`BUG: label set ${labels} added twice`);
    if ((this.#size + 1) * LOAD_DEN > this.#slots.length * LOAD_NUM) this.#rehash(this.#slots.length * 2);
    if (id >= this.#hashes.length) {
      const next = new Uint32Array(Math.max(id + 1, this.#hashes.length + (this.#hashes.length >> 1)));
      next.set(this.#hashes);
      this.#hashes = next;
    }
    while (this.#labels.length < id) this.#labels.push(undefined);
    const h = this.#hash(labels) >>> 0;
    this.#labels[id] = labels;
    this.#hashes[id] = h;
    this.#place(id, h);
    this.#size++;
  }

  /** delete forgets `id` (an unknown one is ignored). The id may be given again afterwards. */
  delete(id: number): void {
    if (this.#labels[id] === undefined) return;
    const slots = this.#slots, hashes = this.#hashes, mask = this.#mask;
    let i = hashes[id] & mask;
    while (slots[i] !== id) i = (i + 1) & mask;
    // Backward-shift deletion: move later entries of the run into the hole when their home slot allows.
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hashes[slots[j]] & mask;
      // The entry at j may move to i when its home is not in the cyclic range (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        slots[i] = slots[j];
        i = j;
      }
    }
    slots[i] = 0;
    this.#labels[id] = undefined;
    this.#size--;
  }

  /** forEach calls fn for every held set, in id order. */
  forEach(fn: (labels: Labels, id: number) => void): void {
    const all = this.#labels;
    for (let id = 1; id < all.length; id++) {
      const l = all[id];
      if (l !== undefined) fn(l, id);
    }
  }

  /** bytes: memory held by the table's arrays (not the sets themselves). */
  get bytes(): number {
    return this.#slots.byteLength + this.#hashes.byteLength + 8 * this.#labels.length;
  }

  #place(id: number, h: number): void {
    const slots = this.#slots, mask = this.#mask;
    let i = h & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = id;
  }

  #rehash(capacity: number): void {
    this.#slots = new Uint32Array(capacity);
    this.#mask = capacity - 1;
    const all = this.#labels, hashes = this.#hashes;
    for (let id = 1; id < all.length; id++) if (all[id] !== undefined) this.#place(id, hashes[id]);
  }
}
