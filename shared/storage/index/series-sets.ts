/**
 * SeriesSets: the label sets of a label index's live series, kept as integers. A set is its
 * length, its hash (Labels.hash, or the index's injected hash) and its pairs (name number, value
 * id) in the index's numbering (label-index.ts: NameEntry.num and its value slots), in the set's
 * label order; the sets lie one after another in one Uint32Array arena. A pair takes one word when
 * its numbers are small (name < 2^15, value < 2^16: the top bit set, then name and value), else
 * two. `starts` maps a ref to its set, and an open-addressing table of refs (a SlotTable:
 * model/slot-table.ts) finds a set by content. Nothing here is a JavaScript object per series: a
 * set of n labels with small numbers costs n + 2 words in the arena, one in `starts` and about 1.6
 * in the slots (issue #6). The hash stays in the arena, not in an array by ref beside `starts`:
 * refs are not reused, so such an array would keep a word for every series ever indexed.
 *
 *     starts (by ref)           arena
 *     ┌───┬───┬───┬───┐         ┌───┬───┬───┬──────┬──────┬──────┬───┬───┬──────┬─
 *     │ 0 │ 1 │ 6 │ 0 │  ref ─► │ · │ 3 │ h │ 1|n|v│ n    │ v    │ 1 │ h │ 1|n|v│ …
 *     └───┴───┴───┴───┘         └───┴───┴───┴──────┴──────┴──────┴───┴───┴──────┴─
 *       0: no live set          word 1: ref 1, 3 words of 2 pairs (the second one large); word 6: ref 2
 *
 *     slots (SlotTable: power of two, linear probing): refs; a set of hash h sits at h & mask or after it
 *
 * Word 0 of the arena is never used and stays 0, so a start of 0 means "no set" and reads as an
 * empty one. Deleting a set leaves a hole;
 * when the holes pass a quarter of the used words, or a new set does not fit, the live sets are
 * copied into a fresh arena in ref order (compaction), so memory follows the live sets. The arena
 * is replaced then: read it again after every add and delete. Read a set with pairName,
 * pairValue and pairNext from start(ref) + SET_HEADER to that plus its first word.
 * Not safe for concurrent use.
 */
import { byHalf, grown } from '../../model/grown.ts';
import type { Labels } from '../../model/labels.ts';
import { SlotTable } from '../../model/slot-table.ts';

/** Words before a set's pairs: the number of words of its pairs, and its hash. */
export const SET_HEADER = 2;
/** The top bit of a one-word pair; a two-word pair's first word (the name) is below it. */
const PACKED = 0x80000000;
/** Holes are reclaimed once they pass this many words and a quarter of the used ones. */
const MIN_HOLES = 1024;

/** pairName: the name number of the pair at word p. */
export function pairName(a: Uint32Array, p: number): number {
  const w = a[p];
  return w >= PACKED ? (w >>> 16) & 0x7fff : w;
}

/** pairValue: the value id of the pair at word p. */
export function pairValue(a: Uint32Array, p: number): number {
  const w = a[p];
  return w >= PACKED ? w & 0xffff : a[p + 1];
}

/** pairNext: where the pair after the one at word p starts. */
export function pairNext(a: Uint32Array, p: number): number {
  return a[p] >= PACKED ? p + 1 : p + 2;
}

export class SeriesSets {
  #starts = new Uint32Array(64);
  #arena = new Uint32Array(1024);
  /** Words of the arena in use, holes included (word 0 counts). */
  #used = 1;
  #holes = 0;
  readonly #slots: SlotTable<Labels>;

  /** same(ref, labels): whether the set of `ref` equals `labels` (the index compares the strings). */
  constructor(same: (ref: number, labels: Labels) => boolean) {
    this.#slots = new SlotTable((ref) => this.#arena[this.#starts[ref] + 1], same);
  }

  /** size: the number of live sets. */
  get size(): number {
    return this.#slots.size;
  }

  /** arena: every set's words; valid until the next add or delete (see the module comment). */
  get arena(): Uint32Array {
    return this.#arena;
  }

  /** start returns where the set of `ref` begins in the arena (its length word), or 0 when none. */
  start(ref: number): number {
    return this.#starts[ref] ?? 0; // a typed array gives undefined for refs out of range
  }

  /** find returns the ref of the set equal to `labels`, whose hash is `h`, or 0. */
  find(h: number, labels: Labels): number {
    return this.#slots.find(h, labels);
  }

  /**
   * add stores the set of `ref`: hash `h` and `pairs` (name number, value id, …; names below
   * 2^31). The ref must be an integer in [1, 2^32) without a set, and the set not stored yet; the
   * index checks both.
   */
  add(ref: number, h: number, pairs: readonly number[]): void {
    let words = SET_HEADER;
    for (let i = 0; i < pairs.length; i += 2) words += small(pairs[i], pairs[i + 1]) ? 1 : 2;
    if (this.#used + words > this.#arena.length) this.#compact(words);
    this.#starts = grown(this.#starts, ref + 1, byHalf);
    const a = this.#arena, at = this.#used;
    a[at] = words - SET_HEADER;
    a[at + 1] = h;
    for (let i = 0, w = at + SET_HEADER; i < pairs.length; i += 2) {
      const name = pairs[i], value = pairs[i + 1];
      if (small(name, value)) {
        a[w++] = (PACKED | (name << 16) | value) >>> 0;
      } else {
        a[w++] = name;
        a[w++] = value;
      }
    }
    this.#used = at + words;
    this.#starts[ref] = at;
    this.#slots.add(ref, h);
  }

  /** delete forgets the set of `ref` (an unknown ref is ignored); it may compact the arena. */
  delete(ref: number): void {
    const at = this.start(ref);
    if (at === 0) return;
    this.#slots.delete(ref);
    this.#starts[ref] = 0;
    this.#holes += SET_HEADER + this.#arena[at];
    if (this.#holes >= MIN_HOLES && this.#holes * 4 > this.#used) this.#compact(0);
  }

  /** bytes: memory held by the arena, the starts and the slots. */
  get bytes(): number {
    return this.#arena.byteLength + this.#starts.byteLength + this.#slots.bytes;
  }

  /**
   * compact copies the live sets into a new arena, in ref order, with room for `words` more and
   * a quarter of the live words to spare.
   */
  #compact(words: number): void {
    const live = this.#used - this.#holes;
    const next = new Uint32Array(Math.max(1024, live + words + (live >> 2)));
    const old = this.#arena, starts = this.#starts;
    let w = 1;
    for (let ref = 1; ref < starts.length; ref++) {
      const at = starts[ref];
      if (at === 0) continue;
      starts[ref] = w;
      for (let r = at, end = at + SET_HEADER + old[at]; r < end; r++) next[w++] = old[r];
    }
    this.#arena = next;
    this.#used = w;
    this.#holes = 0;
  }
}

/** small: whether a pair fits one word. */
function small(name: number, value: number): boolean {
  return name < 0x8000 && value < 0x10000;
}
