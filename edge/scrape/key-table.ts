/**
 * KeyTable: byte strings (series texts as scraped) → small integer ids, held in typed arrays: the
 * keys' bytes in one arena, chained hash buckets, and a free list of ids. A page's series are
 * looked up from the page's bytes, so a series seen before costs no string and no object, and
 * a hundred thousand keys are a few typed arrays for the garbage collector, not 200k objects.
 *
 * ```
 * arena   │ key 1 bytes │ key 2 bytes │ (hole: key 3 deleted) │ key 4 bytes │ … free
 *           ▲ start[1]    ▲ start[2]                           ▲ start[4]
 * buckets[hash & mask] → id → next[id] → id → … → 0
 * ```
 *
 * Ids run from 1; 0 means "none". A deleted id is reused by a later add. Not safe for concurrent use.
 */

import { grown } from '../../shared/model/grown.ts';

/** The smallest arena and id capacity. */
const MIN = 1024;
/** The most of the arena live keys fill after it is compacted, leaving room for a page's changes. */
const FILL = 0.8;

/**
 * grownCapacity: the capacity after `cap` when at least `min` is needed. Tables grow by a quarter,
 * not double: they grow on a target's first pages only, and what they hold lives as long as the
 * target, so memory matters more than the few extra copies.
 */
export function grownCapacity(cap: number, min = 0): number {
  return Math.max(min, cap + (cap >> 2));
}

export class KeyTable {
  /** The arena: key i is arena[start[i], start[i] + length[i]). Replaced when it grows or compacts. */
  arena = new Uint8Array(MIN * 64);
  start = new Int32Array(MIN);
  length = new Int32Array(MIN);
  #hash = new Int32Array(MIN);
  #next = new Int32Array(MIN);
  #buckets = new Int32Array(MIN);
  /** Bytes used at the arena's end, and bytes of deleted keys inside it. */
  #used = 0;
  #holes = 0;
  /** Ids ever handed out are 1..#top; deleted ones are chained from #free through #next. */
  #top = 0;
  #free = 0;
  #size = 0;
  #view = new DataView(this.arena.buffer);
  /** A view of the bytes keys were last looked up in (a page), kept from call to call until forgetSource. */
  #keyView: DataView | null = null;
  #keyViewOf: Uint8Array | null = null;

  /** size: the number of keys held. */
  get size(): number {
    return this.#size;
  }

  /** top: every id in use is at most this. */
  get top(): number {
    return this.#top;
  }

  /** live: `id` holds a key. */
  live(id: number): boolean {
    return id > 0 && id <= this.#top && this.length[id] >= 0;
  }

  /** hash of b[a, e), four bytes at a time. */
  hash(b: Uint8Array, a: number, e: number): number {
    const v = this.#viewFor(b);
    let h = (e - a) | 0;
    let i = a;
    for (; i + 4 <= e; i += 4) {
      h = Math.imul(h ^ v.getInt32(i, true), 0x9e3779b1);
      h ^= h >>> 15;
    }
    for (; i < e; i++) h = Math.imul(h ^ b[i], 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** find returns the id of the key equal to b[a, e) whose hash is `h`, or 0. */
  find(b: Uint8Array, a: number, e: number, h: number): number {
    const len = e - a;
    for (let id = this.#buckets[h & (this.#buckets.length - 1)]; id !== 0; id = this.#next[id]) {
      if (this.#hash[id] !== h || this.length[id] !== len) continue;
      if (this.#equals(id, b, a, len)) return id;
    }
    return 0;
  }

  /** add copies b[a, e) (hash `h`, not held yet) into the table and returns its new id. */
  add(b: Uint8Array, a: number, e: number, h: number): number {
    const len = e - a;
    let id = this.#free;
    if (id !== 0) this.#free = this.#next[id];
    else {
      id = ++this.#top;
      if (id >= this.start.length) this.#growIds(id + 1);
    }
    if (this.#used + len > this.arena.length) this.#makeRoom(len);
    this.arena.set(b.subarray(a, e), this.#used);
    this.start[id] = this.#used;
    this.length[id] = len;
    this.#used += len;
    this.#hash[id] = h;
    const slot = h & (this.#buckets.length - 1);
    this.#next[id] = this.#buckets[slot];
    this.#buckets[slot] = id;
    this.#size++;
    if (this.#size > this.#buckets.length) this.#rehash(this.#buckets.length * 2);
    return id;
  }

  /**
   * reserve makes room for ids up to `ids` and for `bytes` more bytes of keys at once, so that a table filled from
   * nothing (a target's first page) is not grown a quarter at a time: each growth leaves the
   * previous arrays behind, about four times the final size in all, as holes in the malloc heap
   * that stay resident (issue 6).
   */
  reserve(ids: number, bytes: number): void {
    this.#growIds(ids + 1);
    let buckets = this.#buckets.length;
    while (buckets < ids) buckets *= 2;
    if (buckets > this.#buckets.length) this.#rehash(buckets);
    if (this.#used + bytes > this.arena.length) this.#makeRoom(bytes, 1);
  }

  /** delete forgets the key of `id`; the id may be handed out again by add. */
  delete(id: number): void {
    if (!this.live(id)) throw new Error(`BUG: delete of key id ${id}, which is not in use`);
    const slot = this.#hash[id] & (this.#buckets.length - 1);
    if (this.#buckets[slot] === id) this.#buckets[slot] = this.#next[id];
    else {
      let p = this.#buckets[slot];
      while (this.#next[p] !== id) p = this.#next[p];
      this.#next[p] = this.#next[id];
    }
    this.#holes += this.length[id];
    this.length[id] = -1;
    this.#next[id] = this.#free;
    this.#free = id;
    this.#size--;
  }

  /** forgetSource drops the table's view of the bytes keys were looked up in, so that it does not keep them alive. */
  forgetSource(): void {
    this.#keyView = null;
    this.#keyViewOf = null;
  }

  #equals(id: number, b: Uint8Array, a: number, len: number): boolean {
    const s = this.start[id];
    const kv = this.#viewFor(b);
    const av = this.#view;
    let j = 0;
    for (; j + 4 <= len; j += 4) if (av.getInt32(s + j, true) !== kv.getInt32(a + j, true)) return false;
    const arena = this.arena;
    for (; j < len; j++) if (arena[s + j] !== b[a + j]) return false;
    return true;
  }

  #viewFor(b: Uint8Array): DataView {
    if (b === this.arena) return this.#view;
    if (this.#keyViewOf !== b) {
      this.#keyView = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.#keyViewOf = b;
    }
    return this.#keyView!;
  }

  /** #makeRoom compacts the arena, growing it until the live keys and `len` more bytes fill at most `fill` of it. */
  #makeRoom(len: number, fill = FILL): void {
    const live = this.#used - this.#holes;
    let cap = this.arena.length;
    while (live + len > cap * fill) cap = grownCapacity(cap);
    const next = new Uint8Array(cap);
    let at = 0;
    for (let id = 1; id <= this.#top; id++) {
      const n = this.length[id];
      if (n < 0) continue;
      next.set(this.arena.subarray(this.start[id], this.start[id] + n), at);
      this.start[id] = at;
      at += n;
    }
    this.arena = next;
    this.#view = new DataView(next.buffer);
    this.#used = at;
    this.#holes = 0;
  }

  /** #growIds makes room for ids below `min`, growing by a quarter at least. */
  #growIds(min: number): void {
    if (min <= this.start.length) return;
    const grow = <T extends Int32Array>(a: T): T => grown(a, min, grownCapacity);
    this.start = grow(this.start);
    this.length = grow(this.length);
    this.#hash = grow(this.#hash);
    this.#next = grow(this.#next);
  }

  #rehash(buckets: number): void {
    const b = new Int32Array(buckets);
    for (let id = 1; id <= this.#top; id++) {
      if (this.length[id] < 0) continue;
      const slot = this.#hash[id] & (buckets - 1);
      this.#next[id] = b[slot];
      b[slot] = id;
    }
    this.#buckets = b;
  }
}
