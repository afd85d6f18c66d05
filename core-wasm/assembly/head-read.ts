// Reading the head: decode the samples of many series over a time range into one batch, filter
// refs to those with samples in a range, and export closed chunks for persistence. Each is one
// call for the whole list of series.
import { Series, seriesAt, seriesCount, closedChunks, chunkAt, ChunkList } from './series';
import { decodeXor, chunkSampleCount } from './xor-decode';
import { writerBytes } from './xor-encode';
import { OooState, oooChunks, encodeBuffer } from './ooo';
import { sortDedupe } from './merge';
import { allocBatch } from './batch';
import { ensureScratch, scratchTs, scratchVs } from './scratch';
import { setError, ERR_BAD_REF } from './errors';

/** ENC_XOR: the encoding byte in front of an XOR chunk outside the head (Prometheus' EncXOR). */
@inline export const ENC_XOR: u8 = 1;

/** toTime converts an f64 bound to i64 ms, saturating (±Infinity and out-of-range values clamp). */
export function toTime(t: f64): i64 {
  if (t >= 9.2e18) return i64.MAX_VALUE;
  if (t <= -9.2e18) return i64.MIN_VALUE;
  return <i64>t;
}

/** checkRefs returns false (after setError) when a ref names no series. */
function refsValid(refs: usize, n: u32): bool {
  const count = seriesCount();
  for (let i: u32 = 0; i < n; i++) {
    const ref = load<u32>(refs + (<usize>i << 2));
    if (ref == 0 || ref > count) {
      setError(ERR_BAD_REF, i);
      return false;
    }
  }
  return true;
}

/** roomFor bounds the number of samples of s in [mint, maxt] from chunk headers alone. */
function roomFor(s: Series, mint: i64, maxt: i64): u64 {
  let n: u64 = 0;
  const list = closedChunks(s);
  for (let c: u32 = 0; c < list.count; c++) {
    const m = chunkAt(list, c);
    if (m.mint <= maxt && m.maxt >= mint) n += chunkSampleCount(m.buf);
  }
  if (s.num > 0 && s.mint <= maxt && s.t >= mint) n += s.num;
  if (s.ooo != 0) {
    const o = changetype<OooState>(s.ooo);
    n += o.count;
    const ol = oooChunks(o);
    for (let c: u32 = 0; c < ol.count; c++) {
      const m = chunkAt(ol, c);
      if (m.mint <= maxt && m.maxt >= mint) n += chunkSampleCount(m.buf);
    }
  }
  return n;
}

/** decodeList decodes the chunks of list overlapping [mint, maxt] to ts/vs and returns the count. */
function decodeList(list: ChunkList, mint: i64, maxt: i64, ts: usize, vs: usize): u32 {
  let n: u32 = 0;
  for (let c: u32 = 0; c < list.count; c++) {
    const m = chunkAt(list, c);
    if (m.mint > maxt || m.maxt < mint) continue;
    const got = decodeXor(m.buf, m.len, mint, maxt, ts + (<usize>n << 3), vs + (<usize>n << 3));
    if (got < 0) throw new Error('BUG: corrupt chunk in the head');
    n += <u32>got;
  }
  return n;
}

/** decodeSeries writes s's samples in [mint, maxt], sorted and unique, to ts/vs; returns the count. */
function decodeSeries(s: Series, mint: i64, maxt: i64, ts: usize, vs: usize): u32 {
  let n = decodeList(closedChunks(s), mint, maxt, ts, vs);
  if (s.num > 0 && s.mint <= maxt && s.t >= mint) {
    const got = decodeXor(s.buf, writerBytes(s), mint, maxt, ts + (<usize>n << 3), vs + (<usize>n << 3));
    if (got < 0) throw new Error('BUG: corrupt open chunk in the head');
    n += <u32>got;
  }
  if (s.ooo == 0) return n; // fast path: in-order chunks never overlap
  const o = changetype<OooState>(s.ooo);
  const start = n;
  n += decodeList(oooChunks(o), mint, maxt, ts + (<usize>n << 3), vs + (<usize>n << 3));
  for (let i: u32 = 0; i < o.count; i++) {
    const t = load<i64>(o.ts + (<usize>i << 3));
    if (t < mint || t > maxt) continue;
    store<f64>(ts + (<usize>n << 3), <f64>t);
    store<u64>(vs + (<usize>n << 3), load<u64>(o.vs + (<usize>i << 3)));
    n++;
  }
  if (n == start) return n;
  return sortDedupe(ts, vs, n);
}

/**
 * decodeHead decodes the head samples of the n series refs[0..n) over [mint, maxt] (inclusive) into
 * a new batch and returns its address, or 0 after setError (a bad ref, or too many samples).
 */
export function decodeHead(refs: usize, n: u32, mintF: f64, maxtF: f64): usize {
  if (!refsValid(refs, n)) return 0;
  const mint = toTime(mintF), maxt = toTime(maxtF);
  let room: u64 = 0;
  for (let i: u32 = 0; i < n; i++) room += roomFor(seriesAt(load<u32>(refs + (<usize>i << 2))), mint, maxt);
  const b = allocBatch(n, room);
  if (b == null) return 0;
  let pos: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    store<i32>(b.offsets + (<usize>i << 2), <i32>pos);
    if (mint > maxt) continue;
    const s = seriesAt(load<u32>(refs + (<usize>i << 2)));
    pos += decodeSeries(s, mint, maxt, b.ts + (<usize>pos << 3), b.vs + (<usize>pos << 3));
  }
  store<i32>(b.offsets + (<usize>n << 2), <i32>pos);
  b.sampleCount = pos;
  return changetype<usize>(b);
}

/** listHasSampleIn tells whether a chunk of list holds a sample in [mint, maxt]. */
function listHasSampleIn(list: ChunkList, mint: i64, maxt: i64): bool {
  for (let c: u32 = 0; c < list.count; c++) {
    const m = chunkAt(list, c);
    if (m.mint > maxt || m.maxt < mint) continue;
    if (m.mint >= mint || m.maxt <= maxt) return true; // an end sample is inside the range
    if (chunkHasSampleIn(m.buf, m.len, mint, maxt)) return true; // the chunk spans the range: look
  }
  return false;
}

function chunkHasSampleIn(buf: usize, len: u32, mint: i64, maxt: i64): bool {
  ensureScratch(chunkSampleCount(buf));
  return decodeXor(buf, len, mint, maxt, scratchTs(), scratchVs()) > 0;
}

/** hasSampleIn tells whether s holds a sample with mint ≤ t ≤ maxt. */
function hasSampleIn(s: Series, mint: i64, maxt: i64): bool {
  if (s.num > 0 && s.mint <= maxt && s.t >= mint) {
    if (s.mint >= mint || s.t <= maxt || chunkHasSampleIn(s.buf, writerBytes(s), mint, maxt)) return true;
  }
  if (listHasSampleIn(closedChunks(s), mint, maxt)) return true;
  if (s.ooo == 0) return false;
  const o = changetype<OooState>(s.ooo);
  for (let i: u32 = 0; i < o.count; i++) {
    const t = load<i64>(o.ts + (<usize>i << 3));
    if (t >= mint && t <= maxt) return true;
  }
  return listHasSampleIn(oooChunks(o), mint, maxt);
}

/**
 * overlapping writes to out, in order, the refs among refs[0..n) whose series hold a sample in
 * [mint, maxt], and returns how many; -1 after setError when a ref names no series.
 */
export function overlapping(refs: usize, n: u32, mintF: f64, maxtF: f64, out: usize): i32 {
  if (!refsValid(refs, n)) return -1;
  const mint = toTime(mintF), maxt = toTime(maxtF);
  let k: i32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const ref = load<u32>(refs + (<usize>i << 2));
    if (hasSampleIn(seriesAt(ref), mint, maxt)) {
      store<u32>(out + (<usize>k << 2), ref);
      k++;
    }
  }
  return k;
}

/** EXPORT_OPEN / EXPORT_OOO: exportChunks flags that add the open chunk / out-of-order data. */
@inline export const EXPORT_OPEN: u32 = 1;
@inline export const EXPORT_OOO: u32 = 2;

/**
 * ChunkExport: the header of one block holding exported chunks, then the columns it points to.
 *
 * ```
 *  0          4          8          12         16         20         24         28         32
 *  ├ chunks ──┼ dataLen ─┼ series ──┼ data ────┼ offsets ─┼ starts ──┼ mints ───┼ maxts ───┤
 *  mints: f64[chunks] · maxts: f64[chunks] · offsets: u32[chunks] · starts: u32[series] · data
 * ```
 * data holds each chunk as its encoding byte then its bytes; offsets[i] is where chunk i starts in
 * data; starts[s] is the index of series s's first chunk. This is decodeChunks' input, as is.
 */
@unmanaged export class ChunkExport {
  chunkCount: u32;
  dataLen: u32;
  seriesCount: u32;
  data: usize;
  offsets: usize;
  starts: usize;
  mints: usize;
  maxts: usize;
}

/**
 * exportChunks copies the closed in-order chunks of refs[0..n) (oldest first), plus the open chunk
 * (flags & EXPORT_OPEN) and out-of-order chunks and buffer (flags & EXPORT_OOO), into one new block
 * (see ChunkExport; free it with freeBatch). Returns 0 after setError when a ref names no series.
 */
export function exportChunks(refs: usize, n: u32, flags: u32): usize {
  if (!refsValid(refs, n)) return 0;
  // First pass: size the block. The out-of-order buffer is encoded on the fly into one chunk.
  let chunks: u32 = 0;
  let bytes: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const s = seriesAt(load<u32>(refs + (<usize>i << 2)));
    const list = closedChunks(s);
    chunks += list.count;
    for (let c: u32 = 0; c < list.count; c++) bytes += chunkAt(list, c).len + 1;
    if ((flags & EXPORT_OPEN) != 0 && s.num > 0) {
      chunks++;
      bytes += writerBytes(s) + 1;
    }
    if ((flags & EXPORT_OOO) != 0 && s.ooo != 0) {
      const o = changetype<OooState>(s.ooo);
      const ol = oooChunks(o);
      chunks += ol.count;
      for (let c: u32 = 0; c < ol.count; c++) bytes += chunkAt(ol, c).len + 1;
      if (o.count > 0) {
        chunks++;
        bytes += writerBytes(encodeBuffer(o)) + 1;
      }
    }
  }
  const head = <usize>offsetof<ChunkExport>();
  const total = head + (<usize>chunks << 4) + (<usize>chunks << 2) + (<usize>n << 2) + <usize>bytes;
  const p = heap.alloc(total);
  const e = changetype<ChunkExport>(p);
  e.chunkCount = chunks;
  e.dataLen = <u32>bytes;
  e.seriesCount = n;
  e.mints = p + head;
  e.maxts = e.mints + (<usize>chunks << 3);
  e.offsets = e.maxts + (<usize>chunks << 3);
  e.starts = e.offsets + (<usize>chunks << 2);
  e.data = e.starts + (<usize>n << 2);
  let k: u32 = 0;
  let at: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(e.starts + (<usize>i << 2), k);
    const s = seriesAt(load<u32>(refs + (<usize>i << 2)));
    const list = closedChunks(s);
    for (let c: u32 = 0; c < list.count; c++) {
      const m = chunkAt(list, c);
      at = putChunk(e, k++, at, m.buf, m.len, m.mint, m.maxt);
    }
    if ((flags & EXPORT_OPEN) != 0 && s.num > 0) at = putChunk(e, k++, at, s.buf, writerBytes(s), s.mint, s.t);
    if ((flags & EXPORT_OOO) != 0 && s.ooo != 0) {
      const o = changetype<OooState>(s.ooo);
      const ol = oooChunks(o);
      for (let c: u32 = 0; c < ol.count; c++) {
        const m = chunkAt(ol, c);
        at = putChunk(e, k++, at, m.buf, m.len, m.mint, m.maxt);
      }
      if (o.count > 0) {
        const w = encodeBuffer(o);
        at = putChunk(e, k++, at, w.buf, writerBytes(w), load<i64>(o.ts), load<i64>(o.ts + (<usize>(o.count - 1) << 3)));
      }
    }
  }
  if (k != chunks || at != e.dataLen) throw new Error('BUG: exportChunks sized its block wrongly');
  return p;
}

function putChunk(e: ChunkExport, k: u32, at: u32, buf: usize, len: u32, mint: i64, maxt: i64): u32 {
  store<f64>(e.mints + (<usize>k << 3), <f64>mint);
  store<f64>(e.maxts + (<usize>k << 3), <f64>maxt);
  store<u32>(e.offsets + (<usize>k << 2), at);
  store<u8>(e.data + at, ENC_XOR);
  memory.copy(e.data + at + 1, buf, len);
  return at + 1 + len;
}

