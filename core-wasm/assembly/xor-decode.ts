// XOR chunk decoder: reads a Prometheus XOR chunk (see xor-encode.ts and docs/chunk-format.md)
// straight into columns of f64 timestamps and f64 values, keeping only samples in a time range.
// It checks every read against the chunk's end, so a corrupt chunk is reported, never overrun.
import { readBits, readBitsWide } from './bits';
import { HEADER_BITS, NO_WINDOW } from './xor-encode';

/** DECODE_CORRUPT: decodeXor's result when the chunk ends early or holds an impossible varint. */
@inline export const DECODE_CORRUPT: i32 = -1;

/** chunkSampleCount reads the sample count from the header of the chunk at buf (2 bytes there). */
@inline export function chunkSampleCount(buf: usize): u32 {
  return <u32>bswap<u16>(load<u16>(buf));
}

/**
 * decodeXor decodes the XOR chunk of `len` bytes at buf and writes each sample with mint ≤ t ≤ maxt
 * to outTs/outVs (8 bytes each per sample, room for the chunk's sample count). It stops at the
 * first sample past maxt. It returns the number written, or DECODE_CORRUPT.
 */
export function decodeXor(buf: usize, len: u32, mint: i64, maxt: i64, outTs: usize, outVs: usize): i32 {
  if (len < 2) return DECODE_CORRUPT;
  const num = chunkSampleCount(buf);
  if (num == 0) return 0;
  const end = buf + <usize>len;
  const endBits = len << 3;
  let pos = HEADER_BITS;
  let out: i32 = 0;

  // First sample: zig-zag varint timestamp, 64 raw value bits.
  let u: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (pos + 8 > endBits || shift > 63) return DECODE_CORRUPT;
    const b = readBits(buf, end, pos, 8);
    pos += 8;
    u |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  let t = <i64>(u >>> 1) ^ -<i64>(u & 1);
  if (pos + 64 > endBits) return DECODE_CORRUPT;
  let v = readBitsWide(buf, end, pos, 64);
  pos += 64;
  if (t > maxt) return 0;
  if (t >= mint) {
    store<f64>(outTs, <f64>t);
    store<u64>(outVs, v);
    out = 1;
  }
  if (num == 1) return out;

  // Second sample: uvarint delta, then the value.
  u = 0;
  shift = 0;
  while (true) {
    if (pos + 8 > endBits || shift > 63) return DECODE_CORRUPT;
    const b = readBits(buf, end, pos, 8);
    pos += 8;
    u |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  let tDelta = <i64>u;
  let leading: u32 = NO_WINDOW;
  let trailing: u32 = 0;

  for (let i: u32 = 1; i < num; i++) {
    // One 64-bit peek, `valid` bits of it usable, serves the timestamp prefix, the value's
    // control bits and, when they fit, its XOR bits: a steady interval (delta of delta 0, one bit)
    // and a value in its window need no other read.
    let w = readBits(buf, end, pos, 57) << 7;
    let valid: u32 = 57;
    if (i > 1) {
      // Delta of delta: prefix 0, 10, 110, 1110 or 1111.
      if (pos + 1 > endBits) return DECODE_CORRUPT;
      if (w >>> 63 == 0) {
        pos += 1;
        w <<= 1;
        valid = 56;
      } else {
        const prefix = <u32>(w >>> 60);
        let dod: i64 = 0;
        if (prefix < 0b1100) {
          if (pos + 16 > endBits) return DECODE_CORRUPT;
          const bits = readBits(buf, end, pos + 2, 14);
          dod = bits > 8192 ? <i64>bits - 16384 : <i64>bits;
          pos += 16;
        } else if (prefix < 0b1110) {
          if (pos + 20 > endBits) return DECODE_CORRUPT;
          const bits = readBits(buf, end, pos + 3, 17);
          dod = bits > 65536 ? <i64>bits - 131072 : <i64>bits;
          pos += 20;
        } else if (prefix == 0b1110) {
          if (pos + 24 > endBits) return DECODE_CORRUPT;
          const bits = readBits(buf, end, pos + 4, 20);
          dod = bits > 524288 ? <i64>bits - 1048576 : <i64>bits;
          pos += 24;
        } else {
          if (pos + 68 > endBits) return DECODE_CORRUPT;
          dod = <i64>readBitsWide(buf, end, pos + 4, 64);
          pos += 68;
        }
        tDelta += dod;
        w = readBits(buf, end, pos, 57) << 7;
      }
    }
    t += tDelta;

    // Value: 0 = same; 10 = XOR in the current window; 11 = new window, then XOR bits.
    if (pos + 1 > endBits) return DECODE_CORRUPT;
    if (w >>> 63 != 0) {
      let head: u32 = 2;
      if (w >>> 62 == 0b11) {
        if (pos + 13 > endBits) return DECODE_CORRUPT;
        const x = <u32>(w >>> 51) & 0x7ff;
        leading = x >>> 6;
        let sig = x & 0x3f;
        if (sig == 0) sig = 64;
        if (leading + sig > 64) return DECODE_CORRUPT;
        trailing = 64 - leading - sig;
        head = 13;
      } else {
        if (pos + 2 > endBits) return DECODE_CORRUPT;
        if (leading == NO_WINDOW) return DECODE_CORRUPT; // a window must be set before it is reused
      }
      const sig = 64 - leading - trailing;
      if (pos + head + sig > endBits) return DECODE_CORRUPT;
      const bits = head + sig <= valid ? (w << <u64>head) >>> <u64>(64 - sig) : readBitsWide(buf, end, pos + head, sig);
      v ^= bits << <u64>trailing;
      pos += head + sig;
    } else {
      pos += 1;
    }
    if (t > maxt) return out;
    if (t >= mint) {
      const o = <usize>out << 3;
      store<f64>(outTs + o, <f64>t);
      store<u64>(outVs + o, v);
      out++;
    }
  }
  return out;
}
