/**
 * Hashing of label sets and strings: a fast, well-distributed, deterministic 64-bit hash computed
 * with 32-bit integer math only (no BigInt), stable across processes, versions and machines,
 * because relabeling's `hashmod`, scrape offsets and the label index depend on it.
 *
 * Definition (so that another language can reproduce it):
 * - Input: the UTF-8 bytes of the text. A lone surrogate encodes as U+FFFD (EF BF BD), as
 *   TextEncoder does. A label set is hashed as `name0 FF value0 FF name1 FF value1 FF …` in its
 *   sorted order; 0xFF never occurs in UTF-8, so the framing is unambiguous.
 * - Body: the structure of MurmurHash3 x86_128 reduced to two 32-bit lanes h1, h2 (both start at
 *   the seed, default 0). Each 8-byte block is read as two little-endian words k1, k2:
 *     k1 = rotl(k1·C1, 15)·C2;  h1 ^= k1;  h1 = rotl(h1, 19) + h2;  h1 = h1·5 + 0x561ccd1b
 *     k2 = rotl(k2·C2, 16)·C3;  h2 ^= k2;  h2 = rotl(h2, 17) + h1;  h2 = h2·5 + 0x0bcaa747
 *   with C1 = 0x239b961b, C2 = 0xab0e9789, C3 = 0x38b34ae5 (all arithmetic mod 2^32).
 * - Tail: the last 1–7 bytes, zero-padded into k1, k2, are mixed into h1 (and h2 when more than
 *   4 bytes remain) as above but without the rotl/add/multiply step on h1, h2.
 * - Finish: h1 ^= len; h2 ^= len; h1 += h2; h2 += h1; h1 = fmix32(h1); h2 = fmix32(h2);
 *   h1 += h2; h2 += h1, where len is the byte count mod 2^32 and fmix32 is Murmur3's finalizer.
 * The 64-bit hash is h2·2^32 + h1. It is not a published hash's value: it is Outpost's own.
 */
import type { Labels } from './labels.ts';

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Hasher: a streaming hasher for the hash defined above. Feed it with writeString / writeByte /
 * writeSeparator, then read digest53(), digest32() or the halves. Not safe to share between
 * interleaved computations; reset() starts a new one.
 */
export class Hasher {
  #h1 = 0;
  #h2 = 0;
  #k1 = 0; // first word of the current block, once complete
  #acc = 0; // word being filled
  #len = 0; // bytes written so far
  #done = false;

  constructor(seed = 0) {
    this.reset(seed);
  }

  /** reset starts a new hash with the given seed (a 32-bit integer). */
  reset(seed = 0): this {
    this.#h1 = seed | 0;
    this.#h2 = seed | 0;
    this.#k1 = 0;
    this.#acc = 0;
    this.#len = 0;
    this.#done = false;
    return this;
  }

  /** writeByte adds one byte (0–255). */
  writeByte(b: number): this {
    if (this.#done) throw new Error('BUG: Hasher written after digest; call reset() first');
    const pos = this.#len & 7;
    this.#acc |= (b & 0xff) << ((pos & 3) << 3);
    this.#len = (this.#len + 1) >>> 0;
    if (pos === 3) {
      this.#k1 = this.#acc;
      this.#acc = 0;
    } else if (pos === 7) {
      this.#block(this.#k1, this.#acc);
      this.#acc = 0;
    }
    return this;
  }

  /** writeSeparator adds the 0xFF byte that frames strings. */
  writeSeparator(): this {
    return this.writeByte(0xff);
  }

  /** writeString adds the UTF-8 bytes of `s` (lone surrogates as U+FFFD). */
  writeString(s: string): this {
    if (this.#done) throw new Error('BUG: Hasher written after digest; call reset() first');
    // Hot loop: the state lives in locals and ASCII goes one byte at a time without calls.
    let h1 = this.#h1, h2 = this.#h2, k1 = this.#k1, acc = this.#acc, len = this.#len;
    let b0 = 0, b1 = -1, b2 = -1, b3 = -1; // the bytes of one character, -1 = none
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        b0 = c; // fast path: ASCII
      } else if (c < 0x800) {
        b0 = 0xc0 | (c >> 6); b1 = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const d = s.charCodeAt(i + 1);
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          b0 = 0xf0 | (c >> 18); b1 = 0x80 | ((c >> 12) & 0x3f); b2 = 0x80 | ((c >> 6) & 0x3f); b3 = 0x80 | (c & 0x3f);
        } else {
          b0 = 0xef; b1 = 0xbf; b2 = 0xbd; // lone surrogate → U+FFFD
        }
      } else {
        b0 = 0xe0 | (c >> 12); b1 = 0x80 | ((c >> 6) & 0x3f); b2 = 0x80 | (c & 0x3f);
      }
      for (let b = b0; b >= 0; ) {
        const pos = len & 7;
        acc |= b << ((pos & 3) << 3);
        len = (len + 1) >>> 0;
        if (pos === 3) {
          k1 = acc;
          acc = 0;
        } else if (pos === 7) {
          let x = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
          h1 ^= x;
          h1 = (rotl(h1, 19) + h2) | 0;
          h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
          x = Math.imul(rotl(Math.imul(acc, C2), 16), C3);
          h2 ^= x;
          h2 = (rotl(h2, 17) + h1) | 0;
          h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
          acc = 0;
        }
        b = b1; b1 = b2; b2 = b3; b3 = -1;
      }
    }
    this.#h1 = h1; this.#h2 = h2; this.#k1 = k1; this.#acc = acc; this.#len = len;
    return this;
  }

  #block(k1: number, k2: number): void {
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    this.#h1 ^= k1;
    this.#h1 = (rotl(this.#h1, 19) + this.#h2) | 0;
    this.#h1 = (Math.imul(this.#h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    this.#h2 ^= k2;
    this.#h2 = (rotl(this.#h2, 17) + this.#h1) | 0;
    this.#h2 = (Math.imul(this.#h2, 5) + 0x0bcaa747) | 0;
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    const pos = this.#len & 7;
    if (pos !== 0) {
      // Tail: the words written so far, zero-padded.
      const k1 = pos >= 4 ? this.#k1 : this.#acc;
      this.#h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
      if (pos > 4) this.#h2 ^= Math.imul(rotl(Math.imul(this.#acc, C2), 16), C3);
    }
    let h1 = this.#h1 ^ this.#len, h2 = this.#h2 ^ this.#len;
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    h1 = fmix32(h1);
    h2 = fmix32(h2);
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    this.#h1 = h1;
    this.#h2 = h2;
  }

  /** lo: the low 32 bits of the 64-bit hash, unsigned. Ends the input. */
  get lo(): number {
    this.#finish();
    return this.#h1 >>> 0;
  }

  /** hi: the high 32 bits of the 64-bit hash, unsigned. Ends the input. */
  get hi(): number {
    this.#finish();
    return this.#h2 >>> 0;
  }

  /** digest53: the low 53 bits of the 64-bit hash, a safe integer (for `%` and Map keys). */
  digest53(): number {
    return (this.hi & 0x1fffff) * 0x100000000 + this.lo;
  }

  /** digest32: the low 32 bits, unsigned. */
  digest32(): number {
    return this.lo;
  }

  /** digestHex: the full 64-bit hash as 16 hex digits. */
  digestHex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

const shared = new Hasher();

function feedLabels(h: Hasher, labels: Labels): Hasher {
  const f = labels.flat;
  for (let i = 0; i < f.length; i++) h.writeString(f[i]).writeSeparator();
  return h;
}

/** hashLabels: the 53-bit hash of a label set (see the module comment for the byte framing). */
export function hashLabels(labels: Labels): number {
  return feedLabels(shared.reset(), labels).digest53();
}

/** hashLabels32: the low 32 bits of hashLabels' 64-bit hash. */
export function hashLabels32(labels: Labels): number {
  return feedLabels(shared.reset(), labels).digest32();
}

/** hashString: the 53-bit hash of the UTF-8 bytes of `s` (no separator appended). */
export function hashString(s: string, seed = 0): number {
  return shared.reset(seed).writeString(s).digest53();
}
