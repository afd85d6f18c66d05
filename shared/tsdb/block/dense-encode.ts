/**
 * The dense chunk encoder: one series' samples (up to DENSE_MAX_SAMPLES) as byte-aligned
 * varint streams that a general compressor (brotli, over whole pages) squeezes further. Layout in
 * docs/block-format.md ("Dense chunk"). Timestamps are delta-of-delta, zig-zag, with runs of
 * zeros (regular scrapes) collapsed. Values are, by what fits: decimal-scaled integers
 * (v = m / 10^E exactly, bit for bit) coded as deltas or deltas of deltas, whichever is shorter,
 * with the values that do not fit (NaN payloads such as the staleness marker, ±Inf, −0) kept as
 * raw 64-bit exceptions; or else the 64-bit pattern of each value minus the previous one's
 * (two's complement, so slowly moving floats of one sign cost fewer bytes than their XOR).
 */
import { ByteWriter } from './bytes.ts';

/** ENC_XOR, ENC_DENSE: the encoding byte that opens every chunk in a block. */
export const ENC_XOR = 1;
export const ENC_DENSE = 2;

/** DENSE_MAX_SAMPLES: the most samples one dense chunk holds. */
export const DENSE_MAX_SAMPLES = 8192;

/** Value kinds (low nibble of the kind byte); the high nibble is the decimal scale E. */
export const VK_INT_DELTA = 1;
export const VK_INT_DOD = 2;
export const VK_FLOAT_BITS = 3;

/** Integers (scaled) stay below this in magnitude, so deltas of deltas stay safe integers. */
export const INT_LIMIT = 2 ** 50;
/** Timestamps of dense chunks stay below this in magnitude (ms; year ±35,000). */
export const TS_LIMIT = 2 ** 50;
const MAX_SCALE = 15;
export const POW10: Float64Array = Float64Array.from({ length: MAX_SCALE + 1 }, (_, e) => 10 ** e);

/**
 * DenseEncoder: encodes chunks into a ByteWriter the caller owns. It keeps scratch buffers
 * between calls, so reuse one per writer. Not safe for concurrent use.
 */
export class DenseEncoder {
  #ints = new Float64Array(256);
  #exc: number[] = [];
  #a = new ByteWriter(1024);
  #b = new ByteWriter(1024);

  /**
   * encode appends one dense chunk (encoding byte first) of samples [from, to) of the columns.
   * Timestamps must be integers, strictly increasing, within ±2^50 (the caller checks: this
   * throws "BUG:" otherwise); at most DENSE_MAX_SAMPLES samples.
   */
  encode(w: ByteWriter, ts: Float64Array, vals: Float64Array, from: number, to: number): void {
    const n = to - from;
    if (n < 1 || n > DENSE_MAX_SAMPLES) throw new Error(`BUG: dense chunk of ${n} samples`);
    w.u8(ENC_DENSE);
    w.uvarint(n);
    writeTimestamps(w, ts, from, to);
    if (!this.#encodeInts(w, vals, from, to)) writeFloatBits(w, vals, from, to);
  }

  /** #encodeInts writes the values as scaled integers if few enough are exceptions; else false. */
  #encodeInts(w: ByteWriter, vals: Float64Array, from: number, to: number): boolean {
    const n = to - from;
    const limit = (n >> 4) + 1;
    // Pass 1: the smallest scale that makes every representable value an integer.
    let scale = 0, misses = 0;
    for (let i = from; i < to; i++) {
      const e = decimalScale(vals[i], scale);
      if (e < 0 && ++misses > limit) return false;
      if (e > scale) scale = e;
    }
    // Pass 2: the integers at that scale, and the exceptions.
    if (this.#ints.length < n) this.#ints = new Float64Array(n);
    const ints = this.#ints, exc = this.#exc;
    exc.length = 0;
    const p = POW10[scale];
    let k = 0;
    for (let i = from; i < to; i++) {
      const v = vals[i];
      const m = Math.round(v * p);
      if (v === v && Math.abs(m) < INT_LIMIT && m / p === v && !(v === 0 && 1 / v < 0)) ints[k++] = m;
      else exc.push(i - from);
    }
    if (exc.length > limit) return false;
    const a = this.#a, b = this.#b;
    a.len = 0;
    b.len = 0;
    writeIntDeltas(a, ints, k, false);
    writeIntDeltas(b, ints, k, true);
    const dod = b.len < a.len;
    w.u8((scale << 4) | (dod ? VK_INT_DOD : VK_INT_DELTA));
    w.uvarint(exc.length);
    const bits = new Uint32Array(vals.buffer, vals.byteOffset, vals.length * 2);
    let prev = -1;
    for (const j of exc) {
      w.uvarint(j - prev - 1);
      prev = j;
      w.u32le(bits[2 * (from + j)]);
      w.u32le(bits[2 * (from + j) + 1]);
    }
    w.bytes(dod ? b.view() : a.view());
    return true;
  }
}

/**
 * decimalScale returns the smallest e in [min, 15] with v = round(v·10^e) / 10^e exactly and
 * |v·10^e| < 2^50, or -1 (NaN, ±Inf, −0, or no such e).
 */
function decimalScale(v: number, min: number): number {
  if (v !== v || (v === 0 && 1 / v < 0)) return -1;
  for (let e = min; e <= MAX_SCALE; e++) {
    const p = POW10[e];
    const m = Math.round(v * p);
    if (Math.abs(m) >= INT_LIMIT) return -1;
    if (m / p === v) return e;
  }
  return -1;
}

/** writeTimestamps: t0 zig-zag, then the deltas of deltas (the first against a delta of 0). */
function writeTimestamps(w: ByteWriter, ts: Float64Array, from: number, to: number): void {
  writeIntDeltas(w, ts.subarray(from, to), to - from, true);
}

/** writeIntDeltas: v0 zig-zag, then deltas (or deltas of deltas), zero runs collapsed. */
function writeIntDeltas(w: ByteWriter, ints: Float64Array, n: number, dod: boolean): void {
  if (n === 0) return;
  w.varint(ints[0]);
  let pd = 0;
  let zeros = 0;
  for (let i = 1; i < n; i++) {
    const d = ints[i] - ints[i - 1];
    const x = dod ? d - pd : d;
    pd = d;
    if (x === 0) {
      zeros++;
      continue;
    }
    if (zeros > 0) {
      w.u8(0);
      w.uvarint(zeros - 1);
      zeros = 0;
    }
    w.varint(x);
  }
  if (zeros > 0) {
    w.u8(0);
    w.uvarint(zeros - 1);
  }
}

/**
 * writeFloatBits: the kind byte, then for each value the zig-zag of (bits − previous bits) mod
 * 2^64 as a 64-bit varint (the first against 0), zero runs collapsed.
 */
function writeFloatBits(w: ByteWriter, vals: Float64Array, from: number, to: number): void {
  w.u8(VK_FLOAT_BITS);
  const bits = new Uint32Array(vals.buffer, vals.byteOffset, vals.length * 2);
  let ph = 0, pl = 0;
  let zeros = 0;
  for (let i = from; i < to; i++) {
    const l = bits[2 * i], h = bits[2 * i + 1];
    const dl = (l - pl) >>> 0;
    const dh = (h - ph - (l < pl ? 1 : 0)) >>> 0;
    pl = l;
    ph = h;
    if (dl === 0 && dh === 0) {
      zeros++;
      continue;
    }
    if (zeros > 0) {
      w.u8(0);
      w.uvarint(zeros - 1);
      zeros = 0;
    }
    const sign = dh >> 31; // 0 or -1
    const zl = ((dl << 1) ^ sign) >>> 0;
    const zh = (((dh << 1) | (dl >>> 31)) ^ sign) >>> 0;
    w.uvarint64(zh, zl);
  }
  if (zeros > 0) {
    w.u8(0);
    w.uvarint(zeros - 1);
  }
}
