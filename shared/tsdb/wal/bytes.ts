/**
 * Byte buffers for the WAL codecs: ByteWriter appends little-endian integers, varints and UTF-8
 * strings to a growable buffer that its owner reuses between batches; ByteReader reads them back
 * with bounds checks, throwing DecodeError (never reading past the end) on malformed input.
 * Varints hold non-negative safe integers (up to 2^53); signed values go through zigzag coding.
 */

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** DecodeError: a payload that passed its checksum is still malformed. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** zigzag maps a signed safe integer to a non-negative one: 0,-1,1,-2 → 0,1,2,3. */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

/** unzigzag inverts zigzag. */
export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/**
 * ByteWriter: an append-only byte buffer. `buf` may be replaced when it grows, so read it only
 * after the last append; `len` is the number of bytes written. Not safe for concurrent use.
 */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  /** The capacity it was made with, which shrink returns to. */
  readonly #initial: number;

  constructor(capacity = 64 * 1024) {
    this.buf = new Uint8Array(capacity);
    this.#initial = capacity;
  }

  /** reset empties the buffer, keeping its memory. */
  reset(): void {
    this.len = 0;
  }

  /**
   * shrink empties the buffer and, when it has grown past `max` bytes, lets its memory go for one
   * of the initial capacity: an owner that reuses it between batches keeps what its usual batch
   * needs, not what its largest ever did.
   */
  shrink(max: number): void {
    this.len = 0;
    if (this.buf.length > max) this.buf = new Uint8Array(this.#initial);
  }

  /** ensure makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    const b = this.buf, p = this.len;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.len = p + 4;
  }

  /** setU32 overwrites four bytes at `at` (for headers filled in after their payload). */
  setU32(at: number, v: number): void {
    const b = this.buf;
    b[at] = v;
    b[at + 1] = v >>> 8;
    b[at + 2] = v >>> 16;
    b[at + 3] = v >>> 24;
  }

  /** uvarint appends a non-negative safe integer, seven bits per byte, low bits first. */
  uvarint(v: number): void {
    this.ensure(8);
    const b = this.buf;
    let p = this.len;
    if (v < 0x80000000) {
      // Fast path: 32-bit arithmetic.
      while (v >= 0x80) {
        b[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[p++] = v;
    } else {
      // Slow path: above 31 bits, divide instead of shifting.
      if (!Number.isSafeInteger(v)) throw new Error(`BUG: uvarint of ${v}: not a non-negative safe integer`);
      while (v >= 0x80) {
        b[p++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      b[p++] = v;
    }
    this.len = p;
  }

  /** varint appends a signed safe integer, zigzag coded. */
  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /** string appends the UTF-8 byte length as a uvarint, then the bytes. */
  string(s: string): void {
    const n = s.length;
    this.ensure(5 + n * 3);
    // Fast path: short ASCII strings are copied by hand, length known up front.
    if (n < 128) {
      const b = this.buf;
      const at = this.len;
      let p = at + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        b[at] = n;
        this.len = p;
        return;
      }
    }
    // Slow path: encode, then prefix the length.
    const enc = utf8.encode(s);
    this.uvarint(enc.length);
    this.bytes(enc);
  }
}

/** ByteReader reads what ByteWriter wrote from `buf[pos, end)`, throwing DecodeError on overrun. */
export class ByteReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new DecodeError(`${what}: needs ${n} bytes, ${this.end - this.pos} left`);
  }

  u8(): number {
    if (this.pos >= this.end) throw new DecodeError('byte past end of payload');
    return this.buf[this.pos++];
  }

  uvarint(): number {
    const b = this.buf, end = this.end;
    let p = this.pos;
    let v = 0;
    let shift = 0;
    // Fast path: up to four bytes (28 bits) with shifts.
    for (; shift < 28; shift += 7) {
      if (p >= end) throw new DecodeError('varint runs past end of payload');
      const c = b[p++];
      v |= (c & 0x7f) << shift;
      if (c < 0x80) {
        this.pos = p;
        return v >>> 0;
      }
    }
    // Slow path: multiply for the higher bits.
    let mul = 2 ** 28;
    for (;;) {
      if (p >= end) throw new DecodeError('varint runs past end of payload');
      const c = b[p++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) break;
      mul *= 128;
      if (mul > 2 ** 56) throw new DecodeError('varint longer than 8 bytes');
    }
    if (!Number.isSafeInteger(v)) throw new DecodeError(`varint ${v} exceeds 2^53`);
    this.pos = p;
    return v;
  }

  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  bytes(n: number): Uint8Array {
    this.need(n, 'byte string');
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.uvarint();
    this.need(n, 'string');
    const b = this.buf;
    const start = this.pos;
    this.pos += n;
    // Fast path: short ASCII.
    if (n <= 64) {
      let ascii = true;
      for (let i = start; i < start + n; i++) if (b[i] >= 0x80) { ascii = false; break; }
      if (ascii) return String.fromCharCode.apply(null, b.subarray(start, start + n) as unknown as number[]);
    }
    try {
      return utf8Decoder.decode(b.subarray(start, start + n));
    } catch (err) {
      throw new DecodeError(`string is not valid UTF-8: ${(err as Error).message}`);
    }
  }
}
