/**
 * TextCache: the texts of the numbers a response writes, kept packed so that a number met again
 * is copied with six word stores (JsonWriter.packed) instead of formatted again. A range query's
 * points share their step times, and their values repeat (zeros, flat gauges, the rates of
 * counters scraped at a steady pace): the benchmark's 1 h `rate` response has 419k points, 241
 * distinct times and 12,397 distinct values.
 *
 * The cache is an open-addressed hash table (linear probing) over the numbers' 64 bits, so 0 and
 * -0 differ, as their texts do. A slot holds the key and its text, so a hit reads one 32-byte
 * slot:
 *
 *   word 0        word 1         words 2-7
 *   ┌─────────────┬──────────────┬──────────────────────────────────────┐
 *   │ low 32 bits │ high 32 bits │ the text, a PackedText (json-writer) │   length 0: an empty slot
 *   └─────────────┴──────────────┴──────────────────────────────────────┘
 *
 * The table starts small and doubles when half full, up to MAX_SLOTS; then it keeps the numbers
 * it has and formats the others each time they come, as it does for a text longer than a
 * PackedText holds. Nothing is evicted, so numbers that alternate cannot push each other out.
 *
 * A response whose numbers seldom repeat (the sums of a `sum by` over a day at 15 s steps: 30k
 * points, every value new) gains nothing from the table and pays for it: probes into a table
 * of up to 1 MiB that miss the CPU's caches, packing, growing. So a cache made with `turnsOff`
 * (a response's values) turns itself off for the rest of the response, and formats every
 * number, when the table is about to grow past OFF_AFTER numbers having served fewer than a
 * quarter of its lookups. OFF_AFTER is large enough that numbers drawn again and again from a
 * set of 12k (the benchmark's 1 h `rate`) have begun to repeat by then. A response's times
 * never turn off: a range query's series share them, though the first series meets each once.
 */
import { JsonWriter, PACKED_MAX, PACKED_WORDS } from './json-writer.ts';

const float = new Float64Array(1);
const halves = new Uint32Array(float.buffer);

/** Words per slot: the key's two, then the text's; the text's last word is 0 in an empty slot. */
const SLOT_WORDS = 2 + PACKED_WORDS;
const LAST = SLOT_WORDS - 1;
/** Slots at the start and at most (32,768 slots: 1 MiB, for 16,384 numbers). */
const MIN_SLOTS = 64;
const MAX_SLOTS = 1 << 15;
/** The numbers a cache holds before it may find that it serves too few lookups (above). */
const OFF_AFTER = 8192;

/**
 * TextCache: see the module comment. A number's text is `before + render(v) + after`, ASCII
 * (kept in three pieces: joined strings are copied at their first character read). A cache
 * may serve any JsonWriter; it is meant for one response, and holds its first numbers for good.
 */
export class TextCache {
  #table = new Uint32Array(MIN_SLOTS * SLOT_WORDS);
  #mask = MIN_SLOTS - 1;
  #count = 0;
  /** Lookups answered from the table. */
  #hits = 0;
  /** Turned off: every number is formatted. */
  #off = false;

  constructor(
    readonly render: (v: number) => string,
    readonly before = '',
    readonly after = '',
    /** turnsOff: the cache may turn itself off (above). */
    readonly turnsOff = false,
  ) {}

  /**
   * scratch: where `writeScratch` takes its number from. A call that passes a float boxes it in
   * a new heap object unless the compiler inlines the callee, which V8 decides as it likes; a hot
   * loop puts each number here and calls writeScratch instead of write.
   */
  static readonly scratch = float;

  /** write writes the text of `v` into `w`. */
  write(w: JsonWriter, v: number): void {
    float[0] = v;
    this.writeScratch(w);
  }

  /** writeScratch writes the text of the number in TextCache.scratch into `w`. */
  writeScratch(w: JsonWriter): void {
    if (this.#off) return this.#format(w);
    const lo = halves[0];
    const hi = halves[1];
    const table = this.#table;
    const mask = this.#mask;
    let slot = hash(lo, hi) & mask;
    for (let at = slot * SLOT_WORDS; table[at + LAST] !== 0; at = slot * SLOT_WORDS) {
      if (table[at] === lo && table[at + 1] === hi) {
        this.#hits++;
        return w.packed(table, at + 2);
      }
      slot = (slot + 1) & mask;
    }
    this.#miss(w, slot);
  }

  /** #format writes the number in `float` formatted, past the table. */
  #format(w: JsonWriter): void {
    this.#write(w, this.render(float[0]));
  }

  /** #write writes `text` between the cache's pieces, past the table. */
  #write(w: JsonWriter, text: string): void {
    w.ascii(this.before);
    w.ascii(text);
    w.ascii(this.after);
  }

  /** #miss writes the number in `float` (its bits in `halves`), which leads to the empty `slot`. */
  #miss(w: JsonWriter, slot: number): void {
    const lo = halves[0];
    const hi = halves[1];
    const text = this.render(float[0]);
    const { before, after } = this;
    if (before.length + text.length + after.length > PACKED_MAX || this.#count * 2 >= MAX_SLOTS) return this.#write(w, text);
    if ((this.#count + 1) * 2 > this.#mask + 1) {
      // Fewer than a quarter of the lookups so far were hits (hits < misses / 3): off.
      this.#off = this.turnsOff && this.#count >= OFF_AFTER && this.#hits * 3 < this.#count;
      if (this.#off) return this.#write(w, text);
      slot = this.#grow(lo, hi);
    }
    this.#count++;
    const at = slot * SLOT_WORDS;
    const table = this.#table;
    table[at] = lo;
    table[at + 1] = hi;
    JsonWriter.pack(table, at + 2, before, text, after);
    w.packed(table, at + 2);
  }

  /** #grow doubles the table, and returns the empty slot that the key `lo`, `hi` now leads to. */
  #grow(lo: number, hi: number): number {
    const old = this.#table;
    const table = new Uint32Array(old.length * 2);
    const mask = this.#mask * 2 + 1;
    for (let at = 0; at < old.length; at += SLOT_WORDS) {
      if (old[at + LAST] === 0) continue;
      let slot = hash(old[at], old[at + 1]) & mask;
      while (table[slot * SLOT_WORDS + LAST] !== 0) slot = (slot + 1) & mask;
      // Word by word: a subarray a slot was a new view object each, 2 MB of garbage a response
      // that fills the table.
      for (let k = 0, to = slot * SLOT_WORDS; k < SLOT_WORDS; k++) table[to + k] = old[at + k];
    }
    this.#table = table;
    this.#mask = mask;
    let slot = hash(lo, hi) & mask;
    while (table[slot * SLOT_WORDS + LAST] !== 0) slot = (slot + 1) & mask;
    return slot;
  }
}

/** hash mixes a number's two halves into 16 well-spread bits (enough for MAX_SLOTS). */
function hash(lo: number, hi: number): number {
  return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 16;
}
