/**
 * LabelSetTable: label sets and the integer ids a table's owner gives them, found by content. It
 * is what the edge's encoder (connection refs), its backlog and the hub's HA dedup (cluster slots)
 * keep per series (the label index keeps its sets as numbers instead: storage/index/series-sets.ts),
 * so it is laid out for memory: the sets are the callers' own Labels objects (referenced, never
 * copied), hashes and the open-addressing slots are typed arrays (a SlotTable: slot-table.ts), and
 * a lookup of a set whose hash is cached on it (Labels.hash) costs a probe and a comparison,
 * without building a key string.
 *
 *     slots (SlotTable: linear probing)         by id
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
import { byHalf, grown } from './grown.ts';
import { SlotTable } from './slot-table.ts';

export class LabelSetTable {
  readonly #hash: (labels: Labels) => number;
  #labels: (Labels | undefined)[] = [undefined];
  #hashes = new Uint32Array(16);
  readonly #slots = new SlotTable<Labels>(
    (id) => this.#hashes[id],
    (id, labels) => this.#labels[id]!.equals(labels),
  );

  /** `hash` replaces Labels.hash (tests inject colliding hashes); its low 32 bits are used. */
  constructor(hash: (labels: Labels) => number = (l) => l.hash()) {
    this.#hash = hash;
  }

  /** size: the number of sets held. */
  get size(): number {
    return this.#slots.size;
  }

  /** get returns the id of the set equal to `labels`, or 0. */
  get(labels: Labels): number {
    return this.#slots.find(this.#hash(labels) >>> 0, labels);
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
    while (this.#labels.length < id) this.#labels.push(undefined);
    const h = this.#hash(labels) >>> 0;
    this.#labels[id] = labels;
    this.#hashes = grown(this.#hashes, id + 1, byHalf);
    this.#hashes[id] = h;
    this.#slots.add(id, h);
  }

  /** delete forgets `id` (an unknown one is ignored). The id may be given again afterwards. */
  delete(id: number): void {
    if (this.#labels[id] === undefined) return;
    this.#slots.delete(id);
    this.#labels[id] = undefined;
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
    return this.#slots.bytes + this.#hashes.byteLength + 8 * this.#labels.length;
  }
}
