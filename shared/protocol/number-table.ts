/**
 * NumberTable: numeric keys (integers in [0, 2^53), such as storage or backlog series refs) and
 * the integer ids a table's owner gives them, the numeric twin of LabelSetTable. The edge keeps
 * one per series in its encoder (key → connection ref) and its backlog (series → backlog slot)
 * instead of a table of Labels (issue 6): keys sit in a Float64Array by id, found through the
 * open-addressing slots of a SlotTable, so a hundred thousand series are a few typed arrays.
 *
 *     slots (SlotTable: linear probing)         by id
 *     ┌───┬───┬───┬───┬───┬───┬───┬───┐         ┌─────────┐
 *     │ 0 │ 7 │ 0 │ 3 │ 9 │ 0 │ 0 │ 1 │  id ──► │ keys    │  (NaN: id unused)
 *     └───┴───┴───┴───┴───┴───┴───┴───┘         │ Float64 │
 *       0: empty; key k is found at slot hash(k) & mask or after it
 *
 * Ids are positive integers below 2^32, chosen by the owner; the key array grows to the largest
 * one, so keep them dense. Not safe for concurrent use.
 */
import { byHalf, grown } from '../model/grown.ts';
import { SlotTable } from '../model/slot-table.ts';

export class NumberTable {
  #keys = new Float64Array(16).fill(NaN);
  readonly #slots = new SlotTable<number>(
    (id) => hashNumber(this.#keys[id]),
    (id, key) => this.#keys[id] === key,
  );

  /** size: the number of keys held. */
  get size(): number {
    return this.#slots.size;
  }

  /** get returns the id of `key`, or 0. */
  get(key: number): number {
    return this.#slots.find(hashNumber(key), key);
  }

  /** key returns the key of `id`, or undefined. */
  key(id: number): number | undefined {
    const k = id < this.#keys.length ? this.#keys[id] : NaN;
    return Number.isNaN(k) ? undefined : k;
  }

  /**
   * add holds `key` under `id`. The key must be an integer in [0, 2^53), the id unused and the key
   * not held yet: breaking that is a caller bug and throws.
   */
  add(key: number, id: number): void {
    if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) throw new Error(`BUG: number table id ${id} is not an integer in [1, 2^32)`);
    if (!Number.isSafeInteger(key) || key < 0) throw new Error(`BUG: number table key ${key} is not an integer in [0, 2^53)`);
    if (this.key(id) !== undefined) throw new Error(`BUG: number table id ${id} already in use`);
    if (this.get(key) !== 0) throw new Error(`BUG: number table key ${key} added twice`);
    if (id >= this.#keys.length) {
      const old = this.#keys.length;
      this.#keys = grown(this.#keys, id + 1, byHalf);
      this.#keys.fill(NaN, old);
    }
    this.#keys[id] = key;
    this.#slots.add(id, hashNumber(key));
  }

  /** delete forgets `id` (an unknown one is ignored). The id may be given again afterwards. */
  delete(id: number): void {
    if (this.key(id) === undefined) return;
    this.#slots.delete(id);
    this.#keys[id] = NaN;
  }
}

/**
 * hashNumber mixes both 32-bit halves of an integer below 2^53 into a 32-bit hash. It is signed
 * (SlotTable only masks and compares hashes): a signed 32-bit integer is a small integer to V8,
 * while an unsigned one above 2^31 would be a heap number allocated on every lookup.
 */
function hashNumber(k: number): number {
  let h = Math.imul((k >>> 0) ^ Math.imul((k / 0x100000000) >>> 0, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
