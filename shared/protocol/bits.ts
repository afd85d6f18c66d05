/**
 * Bit-level writer and reader for the sample stream of a BATCH frame. Bits are written most
 * significant first; the last byte is padded with zero bits. The writer owns a growable buffer it
 * reuses between batches; the reader checks every read against the end of its input and throws a
 * ProtocolError rather than reading past it.
 */
import { malformed } from './errors.ts';

const TWO32 = 2 ** 32;

/**
 * BitWriter appends bit fields to a buffer it owns. `finish` returns a copy of the bytes written
 * and makes the writer empty again, so one writer serves a whole connection; `written` then
 * `clear` does the same without the copy. Not for concurrent use.
 */
export class BitWriter {
  #buf: Uint8Array;
  #bit = 0;

  constructor(initialBytes = 4096) {
    this.#buf = new Uint8Array(initialBytes);
  }

  /** bitLength is the number of bits written so far. */
  get bitLength(): number {
    return this.#bit;
  }

  /** write appends the low `n` bits of the unsigned 32-bit `v` (0 ≤ n ≤ 32). */
  write(v: number, n: number): void {
    let bit = this.#bit;
    if (((bit + n + 7) >>> 3) > this.#buf.length) this.#grow((bit + n + 7) >>> 3);
    const buf = this.#buf;
    while (n > 0) {
      const used = bit & 7;
      const space = 8 - used;
      const take = n < space ? n : space;
      const chunk = (v >>> (n - take)) & ((1 << take) - 1);
      buf[bit >>> 3] |= chunk << (space - take);
      n -= take;
      bit += take;
    }
    this.#bit = bit;
  }

  /** writeBit appends one bit. */
  writeBit(b: number): void {
    const bit = this.#bit;
    if ((bit >>> 3) >= this.#buf.length) this.#grow((bit >>> 3) + 1);
    if (b) this.#buf[bit >>> 3] |= 0x80 >>> (bit & 7);
    this.#bit = bit + 1;
  }

  /** write64 appends the low `n` bits (0 ≤ n ≤ 64) of the 64-bit value hi:lo. */
  write64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.write(hi, n - 32);
      this.write(lo, 32);
    } else {
      this.write(lo, n);
    }
  }

  /** writeUint appends the low `n` bits (n ≤ 54) of the non-negative integer `x` < 2^54. */
  writeUint(x: number, n: number): void {
    if (n > 32) this.write64(Math.floor(x / TWO32), x >>> 0, n);
    else this.write(x >>> 0, n);
  }

  /**
   * written returns the bytes written so far as a view of the writer's buffer: valid until the
   * next write or clear, which the caller must call once done with it.
   */
  written(): Uint8Array {
    return this.#buf.subarray(0, (this.#bit + 7) >>> 3);
  }

  /** finish returns the bytes written (a copy the caller owns) and empties the writer. */
  finish(): Uint8Array {
    const out = this.written().slice();
    this.clear();
    return out;
  }

  /** clear discards everything written. */
  clear(): void {
    this.#buf.fill(0, 0, (this.#bit + 7) >>> 3);
    this.#bit = 0;
  }

  #grow(minBytes: number): void {
    let size = this.#buf.length * 2;
    while (size < minBytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf);
    this.#buf = next;
  }
}

/**
 * BitReader reads the fields a BitWriter wrote. Reading past the end throws a ProtocolError;
 * `finish` checks that only zero padding is left. It does not copy or modify its input.
 */
export class BitReader {
  readonly #buf: Uint8Array;
  readonly #end: number;
  #bit = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
    this.#end = buf.length * 8;
  }

  /** remaining is the number of unread bits, padding included. */
  get remaining(): number {
    return this.#end - this.#bit;
  }

  /** read returns the next `n` bits (0 ≤ n ≤ 32) as an unsigned integer. */
  read(n: number): number {
    let bit = this.#bit;
    if (bit + n > this.#end) throw malformed('BATCH frame: sample bit stream ends early');
    const buf = this.#buf;
    let v = 0;
    while (n > 0) {
      const used = bit & 7;
      const avail = 8 - used;
      const take = n < avail ? n : avail;
      const chunk = (buf[bit >>> 3] >>> (avail - take)) & ((1 << take) - 1);
      v = ((v << take) | chunk) >>> 0;
      n -= take;
      bit += take;
    }
    this.#bit = bit;
    return v;
  }

  /** readBit returns the next bit. */
  readBit(): number {
    const bit = this.#bit;
    if (bit >= this.#end) throw malformed('BATCH frame: sample bit stream ends early');
    this.#bit = bit + 1;
    return (this.#buf[bit >>> 3] >>> (7 - (bit & 7))) & 1;
  }

  /** readUint returns the next `n` bits (n ≤ 54) as a non-negative integer. */
  readUint(n: number): number {
    if (n > 32) {
      const hi = this.read(n - 32);
      return hi * TWO32 + this.read(32);
    }
    return this.read(n);
  }

  /** finish throws unless all that is left is fewer than 8 zero bits of padding. */
  finish(): void {
    const left = this.#end - this.#bit;
    if (left >= 8) throw malformed(`BATCH frame: ${left >>> 3} byte(s) left over after the last sample`);
    if (left > 0 && this.read(left) !== 0) throw malformed('BATCH frame: padding bits after the last sample are not zero');
  }
}
