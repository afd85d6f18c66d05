/**
 * Byte buffers for the block formats: ByteWriter appends fixed-width integers, varints and
 * strings to a buffer it grows itself; ByteReader reads them back with bounds checks, throwing
 * DecodeError (with the offset) when the bytes run out or a varint is malformed. Varints are
 * unsigned LEB128 (7 bits per byte, low group first, as Go's binary.PutUvarint) over JavaScript
 * numbers up to 2^53; zig-zag maps signed to unsigned. 64-bit values travel as (hi, lo) halves.
 */
import { DecodeError } from './errors.ts';

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

/** ByteWriter: an append-only growable byte buffer. Not safe for concurrent use. */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  constructor(capacity = 4096) {
    this.buf = new Uint8Array(capacity);
  }

  /** reserve makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(x: number): void {
    this.reserve(1);
    this.buf[this.len++] = x;
  }

  u32le(x: number): void {
    this.reserve(4);
    const b = this.buf, n = this.len;
    b[n] = x & 0xff;
    b[n + 1] = (x >>> 8) & 0xff;
    b[n + 2] = (x >>> 16) & 0xff;
    b[n + 3] = (x >>> 24) & 0xff;
    this.len = n + 4;
  }

  /** uvarint writes a non-negative integer below 2^53. */
  uvarint(x: number): void {
    this.reserve(8);
    const b = this.buf;
    let n = this.len;
    while (x > 0x7fffffff) {
      b[n++] = (x % 128) | 128;
      x = Math.floor(x / 128);
    }
    while (x >= 128) {
      b[n++] = (x & 127) | 128;
      x >>>= 7;
    }
    b[n++] = x;
    this.len = n;
  }

  /** varint writes a signed integer with |x| < 2^52, zig-zag coded. */
  varint(x: number): void {
    this.uvarint(x < 0 ? -2 * x - 1 : 2 * x);
  }

  /** uvarint64 writes the unsigned 64-bit integer hi·2^32 + lo (both uint32). */
  uvarint64(hi: number, lo: number): void {
    this.reserve(10);
    const b = this.buf;
    let n = this.len;
    while (hi !== 0 || lo >= 128) {
      b[n++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | ((hi & 127) << 25)) >>> 0;
      hi >>>= 7;
    }
    b[n++] = lo;
    this.len = n;
  }

  bytes(src: Uint8Array): void {
    this.reserve(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /** string writes a uvarint byte length then the UTF-8 bytes. */
  string(s: string): void {
    const b = utf8.encode(s);
    this.uvarint(b.length);
    this.bytes(b);
  }

  /** view: the bytes written so far (a view: valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** ByteReader: reads a buffer front to back; every read checks bounds (DecodeError). */
export class ByteReader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos >= this.end) throw new DecodeError(this.pos, 'unexpected end of data');
    return this.buf[this.pos++];
  }

  u32le(): number {
    const p = this.pos;
    if (p + 4 > this.end) throw new DecodeError(p, 'unexpected end of data');
    const b = this.buf;
    this.pos = p + 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** uvarint reads an unsigned varint below 2^53. */
  uvarint(): number {
    const b = this.buf, end = this.end;
    let p = this.pos;
    let x = 0, mul = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= end) throw new DecodeError(p, 'unexpected end of data in varint');
      const c = b[p++];
      x += (c & 127) * mul;
      if (c < 128) {
        this.pos = p;
        return x;
      }
      mul *= 128;
    }
    throw new DecodeError(this.pos, 'varint longer than 53 bits');
  }

  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) throw new DecodeError(this.pos, `want ${n} bytes, ${this.end - this.pos} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const at = this.pos;
    const b = this.bytes(this.uvarint());
    try {
      return utf8d.decode(b);
    } catch {
      throw new DecodeError(at, 'string is not valid UTF-8');
    }
  }
}
