// Dense chunk decoder: the inverse of shared/tsdb/block/dense-encode.ts (layout in
// docs/block-format.md, "Dense chunk"), bit for bit the same as shared/tsdb/block/dense-decode.ts.
// Varints are read as the TypeScript ByteReader reads them (at most 8 bytes, rounded to an f64 as
// JavaScript's sum rounds them), and timestamps, deltas and values are summed in f64 in the same
// order, so every timestamp and value bit matches; the decimal scale is one f64 division, as there.
// It makes every check the TypeScript decoder makes and checks each read against the chunk's end:
// damage returns DECODE_CORRUPT, never a read or write past the chunk or its sample count.
import { DECODE_CORRUPT } from './xor-decode';

/** ENC_DENSE: the encoding byte in front of a dense chunk in a block. */
@inline export const ENC_DENSE: u8 = 2;
/** DENSE_MAX_SAMPLES: the most samples one dense chunk holds. */
@inline export const DENSE_MAX_SAMPLES: u32 = 8192;

// Value kinds (low nibble of the kind byte); the high nibble is the decimal scale E.
@inline const VK_INT_DELTA: u32 = 1;
@inline const VK_INT_DOD: u32 = 2;
@inline const VK_FLOAT_BITS: u32 = 3;
/** Timestamps stay within ±2^50 ms (the writer's limit), so their sums are exact integers. */
@inline const TS_LIMIT: f64 = 1125899906842624;
/** Varints above this are rounded to an even f64 (as JavaScript's sum rounds them). */
@inline const SAFE: u64 = 1 << 53;

// 10^E for each decimal scale, exact in f64.
const POW10: StaticArray<f64> = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

// Exception positions of the chunk being decoded, strictly increasing, then a sentinel (n).
const excPos = memory.data((DENSE_MAX_SAMPLES + 1) << 2);

// The reader over the chunk being decoded: next byte, end, and whether a read failed (a failed
// read returns 0 and leaves `bad` set; callers check it before using the value for a bound).
let pos: usize = 0;
let end: usize = 0;
let bad = false;

// The integer stream's cursor: next sample slot and next exception (see put).
let slot: u32 = 0;
let nextExc: u32 = 0;

/** uvarint reads an unsigned varint of at most 8 bytes, exactly. */
function uvarint(): u64 {
  let x: u64 = 0;
  let p = pos;
  for (let shift: u64 = 0; shift < 56; shift += 7) {
    if (p >= end) break;
    const c = <u64>load<u8>(p++);
    x |= (c & 127) << shift;
    if (c < 128) {
      pos = p;
      return x;
    }
  }
  bad = true;
  return 0;
}

/** varint reads a zig-zag varint as the TypeScript reader's f64 (halved if above 2^53). */
@inline function varint(): f64 {
  const u = uvarint();
  if (u >= SAFE) return <f64>u * 0.5;
  return (u & 1) != 0 ? -<f64>((u >> 1) + 1) : <f64>(u >> 1);
}

/**
 * denseSampleCount reads the sample count n of the dense chunk at buf (after the encoding byte,
 * `len` bytes) and leaves the reader after it; returns DECODE_CORRUPT unless 1 ≤ n ≤ 8192.
 */
export function denseSampleCount(buf: usize, len: u32): i32 {
  pos = buf;
  end = buf + <usize>len;
  bad = false;
  const n = uvarint();
  return bad || n < 1 || n > DENSE_MAX_SAMPLES ? DECODE_CORRUPT : <i32>n;
}

/**
 * decodeDense decodes the dense chunk of `len` bytes at buf (after the encoding byte) and writes
 * each sample with mint ≤ t ≤ maxt to outTs/outVs (8 bytes each per sample, room for the chunk's
 * sample count). The chunk must end exactly at buf + len. Returns the number written, or
 * DECODE_CORRUPT. With `skipValues` (a reader that uses only the times and which samples are
 * staleness markers), a chunk of integer values gives its exceptions' bits (markers among them)
 * and 0 for every other value, unread.
 */
export function decodeDense(buf: usize, len: u32, mint: i64, maxt: i64, outTs: usize, outVs: usize, skipValues: bool): i32 {
  const count = denseSampleCount(buf, len);
  if (count < 0) return DECODE_CORRUPT;
  const n = <u32>count;
  if (!readTimestamps(outTs, n) || !readValues(outVs, n, skipValues) || pos != end) return DECODE_CORRUPT;
  // Keep [mint, maxt]; timestamps are exact integers within ±2^50, so f64 compares are exact.
  const lo = <f64>mint, hi = <f64>maxt;
  let a: u32 = 0, b = n;
  while (a < b && load<f64>(outTs + (<usize>a << 3)) < lo) a++;
  while (b > a && load<f64>(outTs + (<usize>(b - 1) << 3)) > hi) b--;
  if (a > 0 && b > a) {
    memory.copy(outTs, outTs + (<usize>a << 3), <usize>(b - a) << 3);
    memory.copy(outVs, outVs + (<usize>a << 3), <usize>(b - a) << 3);
  }
  return <i32>(b - a);
}

/** readTimestamps: t0, then deltas of deltas (zero runs collapsed); strictly increasing, within ±2^50. */
function readTimestamps(ts: usize, n: u32): bool {
  store<u32>(excPos, n); // no exceptions
  return readInts(ts, n, true, 0, true) && load<f64>(ts) > -TS_LIMIT && load<f64>(ts + (<usize>(n - 1) << 3)) < TS_LIMIT;
}

/**
 * readValues: the kind byte, then float bits, or exceptions and scaled integers. With `skipInts`,
 * the integers are left unread, their slots 0, and the reader is done with the chunk (pos = end).
 */
function readValues(vs: usize, n: u32, skipInts: bool): bool {
  if (pos >= end) return false;
  const kind = <u32>load<u8>(pos++);
  const vk = kind & 15, scale = kind >> 4;
  if (vk == VK_FLOAT_BITS && scale == 0) return readFloatBits(vs, n);
  if (vk != VK_INT_DELTA && vk != VK_INT_DOD) return false;
  if (skipInts) memory.fill(vs, 0, <usize>n << 3);
  const exceptions = readExceptions(vs, n);
  if (exceptions < 0) return false;
  if (!skipInts) return readInts(vs, n - <u32>exceptions, vk == VK_INT_DOD, scale, false);
  pos = end;
  return true;
}

/**
 * readExceptions reads an integer kind's exceptions: their positions (as gaps, into excPos, then
 * the sentinel n) and raw bits (into their slots of vs). Returns how many, or -1 when damaged.
 */
function readExceptions(vs: usize, n: u32): i32 {
  const excCount = uvarint();
  if (bad || excCount > <u64>n) return -1;
  let next: u64 = 0; // the lowest position the next exception may take
  for (let k: u32 = 0; k < <u32>excCount; k++) {
    const p = next + uvarint();
    if (bad || p >= <u64>n || pos + 8 > end) return -1;
    store<u32>(excPos + (<usize>k << 2), <u32>p);
    store<u64>(vs + (<usize>p << 3), load<u64>(pos));
    pos += 8;
    next = p + 1;
  }
  store<u32>(excPos + (<usize>excCount << 2), n);
  return <i32>excCount;
}

/**
 * readInts: m integers, v0 then deltas (or deltas of deltas; zero runs collapsed), divided by
 * 10^scale, into the slots that are not exceptions'. `increasing`: every delta must be positive.
 * When no exception falls among the first m slots (timestamps, and most values), the integers
 * go to slots 0 … m-1 and readSmallInts reads them, unless a number is too large for it.
 */
function readInts(vs: usize, m: u32, dod: bool, scale: u32, increasing: bool): bool {
  if (m == 0) return true;
  if (load<u32>(excPos) >= m) {
    const start = pos;
    const r = readSmallInts(vs, m, dod, scale, increasing);
    if (r != SMALL_TOO_LARGE) return r == SMALL_OK;
    pos = start;
  }
  slot = 0;
  nextExc = 0;
  const p = unchecked(POW10[scale]);
  const plain = scale == 0;
  let v = varint();
  put(vs, v, p, plain);
  let d: f64 = 0;
  let k: u32 = 1;
  while (k < m) {
    const x = varint();
    if (bad) return false;
    if (x == 0) {
      const run = uvarint() + 1;
      if (bad || <u64>k + run > <u64>m || (increasing && d <= 0)) return false;
      if (!dod) d = 0;
      for (let j = <u32>run; j > 0; j--) {
        v += d;
        put(vs, v, p, plain);
      }
      k += <u32>run;
    } else {
      d = dod ? d + x : x;
      if (increasing && d <= 0) return false;
      v += d;
      put(vs, v, p, plain);
      k++;
    }
  }
  return !bad;
}

// What readSmallInts answers: the integers are read, the chunk is damaged, or a number is too
// large for its integer sums to be the f64 ones (readInts' f64 loop then reads the stream again).
@inline const SMALL_OK: i32 = 1;
@inline const SMALL_CORRUPT: i32 = 0;
@inline const SMALL_TOO_LARGE: i32 = -1;
/** The largest token readSmallInts takes (2^24, exclusive): see readSmallInts. */
@inline const SMALL_TOKEN: u64 = 16777216;

/**
 * readSmallInts: readInts into slots 0 … m-1 for streams of small numbers, with the sums in i64,
 * in the same order as the f64 sums of readInts: the first varint below 2^53 (an integer of at
 * most 2^52 in magnitude) and every later token below 2^24, so that no sum (at most 8,192
 * tokens: deltas below 2^37, values below 2^53) passes 2^53: f64 sums are exact there and give
 * the same bits. Eight one-byte tokens that are not zero (a steady counter's deltas) are read at
 * once, from one load. Returns SMALL_TOO_LARGE (the reader's position then undefined) on a number
 * outside those bounds.
 */
function readSmallInts(vs: usize, m: u32, dod: bool, scale: u32, increasing: bool): i32 {
  const pw = unchecked(POW10[scale]);
  const plain = scale == 0;
  const u0 = uvarint();
  if (bad) return SMALL_CORRUPT;
  if (u0 >= SAFE) return SMALL_TOO_LARGE;
  let v: i64 = <i64>(u0 >> 1) ^ -<i64>(u0 & 1);
  store<f64>(vs, plain ? <f64>v : <f64>v / pw);
  let q = pos;
  const e = end;
  let d: i64 = 0;
  let k: u32 = 1;
  while (k < m) {
    if (k + 8 <= m && q + 8 <= e) {
      const w = load<u64>(q);
      // Every byte below 128 (one-byte tokens) and none zero (a zero starts a run).
      if (((w | ((w - 0x0101010101010101) & ~w)) & 0x8080808080808080) == 0) {
        for (let i: u32 = 0; i < 8; i++) {
          const b = (w >> (<u64>i << 3)) & 255;
          const x = <i64>(b >> 1) ^ -<i64>(b & 1);
          d = dod ? d + x : x;
          if (increasing && d <= 0) return SMALL_CORRUPT;
          v += d;
          store<f64>(vs + (<usize>(k + i) << 3), plain ? <f64>v : <f64>v / pw);
        }
        k += 8;
        q += 8;
        continue;
      }
    }
    let u: u64;
    const w = q + 1 < e ? <u32>load<u16>(q) : 0x8080;
    if ((w & (w >> 8) & 128) == 0) {
      const more = (w >> 7) & 1;
      u = <u64>((w & 127) | select<u32>((w >> 1) & 0x3f80, 0, more != 0));
      q += 1 + more;
    } else {
      if (q >= e) return SMALL_CORRUPT;
      pos = q;
      u = uvarint();
      if (bad) return SMALL_CORRUPT;
      if (u >= SMALL_TOKEN) return SMALL_TOO_LARGE;
      q = pos;
    }
    if (u == 0) {
      if (q >= e) return SMALL_CORRUPT;
      let r = <u64>load<u8>(q);
      if (r < 128) q++;
      else {
        pos = q;
        r = uvarint();
        if (bad) return SMALL_CORRUPT;
        q = pos;
      }
      const run = r + 1;
      if (<u64>k + run > <u64>m || (increasing && d <= 0)) return SMALL_CORRUPT;
      if (!dod) d = 0;
      const stop = k + <u32>run;
      if (stop - k >= 4) {
        // Two values a turn in f64x2 lanes: v + d·j is an exact integer below 2^53, so the f64
        // sums are the integer ones.
        const df = <f64>d;
        let lanes = f64x2.add(f64x2.splat(<f64>v), f64x2(df, df + df));
        const step = f64x2.splat(df + df), divisor = f64x2.splat(pw);
        const from = k;
        for (; k + 2 <= stop; k += 2) {
          v128.store(vs + (<usize>k << 3), plain ? lanes : f64x2.div(lanes, divisor));
          lanes = f64x2.add(lanes, step);
        }
        v += <i64>(k - from) * d;
      }
      for (; k < stop; k++) {
        v += d;
        store<f64>(vs + (<usize>k << 3), plain ? <f64>v : <f64>v / pw);
      }
      continue;
    }
    const x = <i64>(u >> 1) ^ -<i64>(u & 1);
    d = dod ? d + x : x;
    if (increasing && d <= 0) return SMALL_CORRUPT;
    v += d;
    store<f64>(vs + (<usize>k << 3), plain ? <f64>v : <f64>v / pw);
    k++;
  }
  pos = q;
  return SMALL_OK;
}

/** put stores the next integer in the next slot that is not an exception's. */
@inline function put(vs: usize, v: f64, p: f64, plain: bool): void {
  let i = slot;
  while (i == load<u32>(excPos + (<usize>nextExc << 2))) {
    nextExc++;
    i++;
  }
  store<f64>(vs + (<usize>i << 3), plain ? v : v / p);
  slot = i + 1;
}

/** readFloatBits: per value, zig-zag (bits − previous bits) as a 64-bit varint; zero runs collapsed. */
function readFloatBits(vs: usize, n: u32): bool {
  let prev: u64 = 0;
  let i: u32 = 0;
  while (i < n) {
    let z: u64 = 0;
    let p = pos;
    for (let shift: u64 = 0; ; shift += 7) {
      if (p >= end || shift > 63) return false;
      const c = <u64>load<u8>(p++);
      z |= (c & 127) << shift;
      if (c < 128) break;
    }
    pos = p;
    if (z == 0) {
      const run = uvarint() + 1;
      if (bad || <u64>i + run > <u64>n) return false;
      for (let k = <u32>run; k > 0; k--) {
        store<u64>(vs + (<usize>i << 3), prev);
        i++;
      }
      continue;
    }
    prev += (z >> 1) ^ (0 - (z & 1));
    store<u64>(vs + (<usize>i << 3), prev);
    i++;
  }
  return true;
}
