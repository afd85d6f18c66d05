// XOR chunk encoder, byte-compatible with Prometheus' tsdb/chunkenc XOR chunks: a 2-byte
// big-endian sample count, the first timestamp as a zig-zag varint and the first value as 64 raw
// bits, the second timestamp's delta as a uvarint, then delta-of-delta timestamps in prefix
// buckets and XOR-ed values with a leading/trailing-zero window. See docs/chunk-format.md.
import { writeBits, writeBitsWide } from './bits';

/** MAX_SAMPLE_BYTES: the most bytes one appended sample can take (varints or 4+64+2+5+6+64 bits). */
@inline export const MAX_SAMPLE_BYTES: u32 = 19;
/**
 * WRITE_SLACK: bytes the bit writer may load and store past the byte holding a write's last bit
 * (writeBits works on the 8 bytes from the byte its first bit is in).
 */
@inline export const WRITE_SLACK: u32 = 7;
/** FIRST_SAMPLE_BITS: the most bits a chunk's first sample takes (a 10-byte varint, 64 bits). */
@inline const FIRST_SAMPLE_BITS: u32 = 144;
/** TS_DELTA_BITS: the most bits of the second sample's timestamp delta (a 10-byte uvarint). */
@inline const TS_DELTA_BITS: u32 = 80;
/** START_CAP: the smallest buffer a chunk starts with (room for its first two samples or so). */
@inline const START_CAP: u32 = 60;
/** MIN_GROWTH: the fewest bytes a chunk buffer grows by. */
@inline const MIN_GROWTH: u32 = 16;
/** HEADER_BITS: the sample-count header in front of the bit stream. */
@inline export const HEADER_BITS: u32 = 16;
/** NO_WINDOW: `leading` before any value has set a leading/trailing-zero window. */
@inline export const NO_WINDOW: u32 = 0xff;

/**
 * ChunkWriter: the state of one chunk being written. Series embeds it as its first fields.
 *
 * ```
 *  0        4        8        12       16       20   22   24
 *  ├ buf ───┼ cap ───┼ bits ──┼ num ───┼ leading┼ trl┼ frs┤
 *  24                 32                40                48                56
 *  ├ t (last ts) ─────┼ tDelta ─────────┼ v (last bits) ───┼ mint ───────────┤
 * ```
 * buf is a heap block of cap bytes, zero past the `bits` written so far (header included).
 * fresh is 1 when the chunk ends with a whole zero byte that Prometheus' bstream has already
 * appended: its last write of a sample put whole bytes from a byte boundary (writeByte always
 * appends the next byte). The chunk's length counts that byte, as Prometheus' does.
 */
@unmanaged export class ChunkWriter {
  buf: usize;
  cap: u32;
  bits: u32;
  num: u32;
  leading: u32;
  trailing: u16;
  fresh: u16;
  t: i64;
  tDelta: i64;
  v: u64;
  mint: i64;
}

/** CHUNK_WRITER_SIZE: the bytes of a ChunkWriter (the diagram above; init() checks it). */
@inline export const CHUNK_WRITER_SIZE: u32 = 56;

/** roundCap rounds a byte capacity up to a size the TLSF allocator hands out whole (16k - 4). */
@inline export function roundCap(n: u32): u32 {
  return ((n + 4 + 15) & ~15) - 4;
}

/** writerStart points w at a fresh, empty chunk of at least capHint bytes whose first sample is at t. */
export function writerStart(w: ChunkWriter, t: i64, capHint: u32): void {
  const cap = roundCap(max<u32>(capHint, START_CAP));
  const buf = heap.alloc(cap);
  memory.fill(buf, 0, cap);
  w.buf = buf;
  w.cap = cap;
  w.bits = HEADER_BITS;
  w.num = 0;
  w.leading = NO_WINDOW;
  w.trailing = 0;
  w.fresh = 0;
  w.t = t;
  w.tDelta = 0;
  w.v = 0;
  w.mint = t;
}

/** writerBytes is the length of w's chunk in bytes, header and any fresh trailing byte included. */
@inline export function writerBytes(w: ChunkWriter): u32 {
  return ((w.bits + 7) >>> 3) + <u32>w.fresh;
}

/**
 * reserve makes w.buf long enough for a write ending at bit `end`: the bit writer touches bytes up
 * to WRITE_SLACK past the one holding bit end - 1. It grows the buffer by a quarter (at least
 * MIN_GROWTH bytes) beyond what is needed; sizing by the bits of the sample at hand, not by the
 * worst case, keeps an open chunk's unwritten tail to a few bytes plus that growth.
 */
@inline function reserve(w: ChunkWriter, end: u32): void {
  const need = ((end - 1) >>> 3) + 1 + WRITE_SLACK;
  if (need > w.cap) grow(w, need);
}

function grow(w: ChunkWriter, need: u32): void {
  const cap = roundCap(max<u32>(need, w.cap + max<u32>(MIN_GROWTH, w.cap >>> 2)));
  const buf = heap.realloc(w.buf, cap);
  memory.fill(buf + w.cap, 0, cap - w.cap);
  w.buf = buf;
  w.cap = cap;
}

/** put writes the low n bits of v (1 ≤ n ≤ 64) at bit pos, growing w.buf first if needed; returns pos + n. */
@inline function put(w: ChunkWriter, pos: u32, v: u64, n: u32): u32 {
  reserve(w, pos + n);
  writeBitsWide(w.buf, pos, v, n);
  return pos + n;
}

/** writerAppend appends (t, v bits) to w's chunk. Timestamps must not decrease (not checked). */
export function writerAppend(w: ChunkWriter, t: i64, v: u64): void {
  let pos = w.bits;
  const num = w.num;
  if (num == 0) {
    reserve(w, pos + FIRST_SAMPLE_BITS);
    const buf = w.buf;
    let u = <u64>((t << 1) ^ (t >> 63)); // zig-zag, as Go's binary.PutVarint
    while (u >= 0x80) {
      writeBits(buf, pos, (u & 0x7f) | 0x80, 8);
      pos += 8;
      u >>>= 7;
    }
    writeBits(buf, pos, u, 8);
    pos += 8;
    writeBitsWide(buf, pos, v, 64);
    pos += 64;
    w.fresh = 1; // 64 bits written from a byte boundary
  } else if (num == 1) {
    reserve(w, pos + TS_DELTA_BITS);
    const buf = w.buf;
    const delta = t - w.t;
    let u = <u64>delta;
    while (u >= 0x80) {
      writeBits(buf, pos, (u & 0x7f) | 0x80, 8);
      pos += 8;
      u >>>= 7;
    }
    writeBits(buf, pos, u, 8);
    pos += 8;
    w.tDelta = delta;
    pos = xorWrite(w, pos, v);
  } else {
    const delta = t - w.t;
    const dod = delta - w.tDelta;
    if (dod == 0) {
      pos += 1; // a single 0 bit
    } else if (dod >= -8191 && dod <= 8192) {
      pos = put(w, pos, (<u64>0b10 << 14) | (<u64>dod & 0x3fff), 16);
    } else if (dod >= -65535 && dod <= 65536) {
      pos = put(w, pos, (<u64>0b110 << 17) | (<u64>dod & 0x1ffff), 20);
    } else if (dod >= -524287 && dod <= 524288) {
      pos = put(w, pos, (<u64>0b1110 << 20) | (<u64>dod & 0xfffff), 24);
    } else {
      pos = put(w, pos, 0b1111, 4);
      pos = put(w, pos, <u64>dod, 64);
    }
    w.tDelta = delta;
    pos = xorWrite(w, pos, v);
  }
  // A sample of 0 bits only (steady interval, same value) writes nothing, so nothing above
  // reserved room for it: the buffer must still reach past its last bit, or a chunk ending in
  // such samples would take its last bytes from memory beyond the buffer.
  reserve(w, pos);
  w.bits = pos;
  w.t = t;
  w.v = v;
  w.num = num + 1;
  store<u16>(w.buf, bswap<u16>(<u16>(num + 1)));
}

/**
 * xorWrite writes v XOR-ed with w's previous value at bit pos (reserving room for exactly those
 * bits first) and returns the new position.
 */
@inline function xorWrite(w: ChunkWriter, pos: u32, v: u64): u32 {
  const delta = v ^ w.v;
  if (delta == 0) {
    w.fresh = 0;
    return pos + 1; // a single 0 bit
  }
  let leading = <u32>clz<u64>(delta);
  const trailing = <u32>ctz<u64>(delta);
  if (leading >= 32) leading = 31; // the window's leading count has 5 bits
  const oldLeading = w.leading;
  const oldTrailing = <u32>w.trailing;
  if (oldLeading != NO_WINDOW && leading >= oldLeading && trailing >= oldTrailing) {
    // The value fits the current window: '10' then the window's bits.
    const sig = 64 - oldLeading - oldTrailing;
    reserve(w, pos + 2 + sig);
    const buf = w.buf;
    writeBits(buf, pos, 0b10, 2);
    pos += 2;
    writeBitsWide(buf, pos, delta >>> <u64>oldTrailing, sig);
    w.fresh = <u16>(((sig | pos) & 7) == 0);
    return pos + sig;
  }
  w.leading = leading;
  w.trailing = <u16>trailing;
  const sig = 64 - leading - trailing;
  reserve(w, pos + 13 + sig);
  const buf = w.buf;
  // '11', 5 bits of leading zeros, 6 bits of significant-bit count (64 is written as 0).
  writeBits(buf, pos, (<u64>0b11 << 11) | (<u64>leading << 6) | (<u64>sig & 0x3f), 13);
  pos += 13;
  writeBitsWide(buf, pos, delta >>> <u64>trailing, sig);
  w.fresh = <u16>(((sig | pos) & 7) == 0);
  return pos + sig;
}
