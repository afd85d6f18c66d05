// Out-of-order samples of one series: samples older than the series' newest sample but inside the
// out-of-order window. They go into a small sorted buffer; a full buffer becomes an XOR chunk in
// the series' out-of-order chunk list. Reads merge them with the in-order chunks (head-read.ts).
import { ChunkList, chunkListPush, chunkAt } from './series';
import { ChunkWriter, writerStart, writerAppend, writerBytes } from './xor-encode';
import { decodeXor } from './xor-decode';
import { ensureScratch, scratchTs, scratchVs } from './scratch';

/** OOO_BUFFER_MAX: samples buffered before they become a chunk (Prometheus' default OOO capacity). */
@inline export const OOO_BUFFER_MAX: u32 = 32;

/**
 * OooState: a series' out-of-order samples, allocated on its first one.
 *
 * ```
 *  0        4        8        12       16       20       24       28
 *  ├ ts ────┼ vs ────┼ count ─┼ cap ───┼ chunks ┼ count ─┼ cap ───┤
 * ```
 * ts/vs: the buffer, `count` samples sorted by time (i64 ms, value bits), room for `cap`.
 * chunks/count/cap: a ChunkList of flushed buffers; they may overlap each other in time.
 */
@unmanaged export class OooState {
  ts: usize;
  vs: usize;
  count: u32;
  cap: u32;
  chunks: usize;
  chunkCount: u32;
  chunkCap: u32;
}

/** OOO_STATE_SIZE: the bytes of an OooState (init() checks it). */
@inline export const OOO_STATE_SIZE: u32 = 28;

/** oooChunks views the chunk list embedded in o. */
@inline export function oooChunks(o: OooState): ChunkList {
  return changetype<ChunkList>(changetype<usize>(o) + offsetof<OooState>('chunks'));
}

/** newOooState allocates an empty OooState with a buffer of 4 samples. */
export function newOooState(): OooState {
  const o = changetype<OooState>(heap.alloc(offsetof<OooState>()));
  memory.fill(changetype<usize>(o), 0, offsetof<OooState>());
  o.cap = 4;
  o.ts = heap.alloc(4 << 3);
  o.vs = heap.alloc(4 << 3);
  return o;
}

/** Result of findInBuffer and findInChunk: whether a sample was found, and its value bits. */
export let foundValue: u64 = 0;

/** findInChunk looks for a sample at t in a closed or open chunk; sets foundValue when found. */
export function findInChunk(buf: usize, len: u32, t: i64): bool {
  ensureScratch(1 << 16);
  const n = decodeXor(buf, len, t, t, scratchTs(), scratchVs());
  if (n < 0) throw new Error('BUG: corrupt chunk in the head');
  if (n == 0) return false;
  foundValue = load<u64>(scratchVs());
  return true;
}

/** bufferSearch returns the index of the first buffered sample with a timestamp ≥ t. */
function bufferSearch(o: OooState, t: i64): u32 {
  let lo: u32 = 0, hi = o.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<i64>(o.ts + (<usize>mid << 3)) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** oooFind looks for a sample at t among o's buffer and chunks; sets foundValue when found. */
export function oooFind(o: OooState, t: i64): bool {
  const i = bufferSearch(o, t);
  if (i < o.count && load<i64>(o.ts + (<usize>i << 3)) == t) {
    foundValue = load<u64>(o.vs + (<usize>i << 3));
    return true;
  }
  const list = oooChunks(o);
  for (let c: u32 = 0; c < list.count; c++) {
    const m = chunkAt(list, c);
    if (m.mint <= t && t <= m.maxt && findInChunk(m.buf, m.len, t)) return true;
  }
  return false;
}

/** oooInsert adds a sample that oooFind did not find; a full buffer becomes a chunk. */
export function oooInsert(o: OooState, t: i64, v: u64): void {
  if (o.count == o.cap) {
    const cap = o.cap * 2;
    o.ts = heap.realloc(o.ts, <usize>cap << 3);
    o.vs = heap.realloc(o.vs, <usize>cap << 3);
    o.cap = cap;
  }
  const i = bufferSearch(o, t);
  const tail = <usize>(o.count - i) << 3;
  memory.copy(o.ts + ((<usize>i + 1) << 3), o.ts + (<usize>i << 3), tail);
  memory.copy(o.vs + ((<usize>i + 1) << 3), o.vs + (<usize>i << 3), tail);
  store<i64>(o.ts + (<usize>i << 3), t);
  store<u64>(o.vs + (<usize>i << 3), v);
  o.count++;
  if (o.count == OOO_BUFFER_MAX) oooFlush(o);
}

let flushWriter: usize = 0;

/** oooFlush encodes o's buffered samples into a new chunk of o's chunk list and empties the buffer. */
export function oooFlush(o: OooState): void {
  if (o.count == 0) return;
  const w = encodeBuffer(o);
  const len = writerBytes(w);
  const buf = heap.alloc(len);
  memory.copy(buf, w.buf, len);
  chunkListPush(oooChunks(o), buf, len, load<i64>(o.ts), load<i64>(o.ts + (<usize>(o.count - 1) << 3)));
  o.count = 0;
}

/** encodeBuffer encodes o's buffered samples into the shared flush writer and returns it. */
export function encodeBuffer(o: OooState): ChunkWriter {
  if (flushWriter == 0) flushWriter = heap.alloc(offsetof<ChunkWriter>());
  else heap.free(changetype<ChunkWriter>(flushWriter).buf);
  const w = changetype<ChunkWriter>(flushWriter);
  writerStart(w, load<i64>(o.ts), 64 + o.count * 19);
  for (let i: u32 = 0; i < o.count; i++) {
    writerAppend(w, load<i64>(o.ts + (<usize>i << 3)), load<u64>(o.vs + (<usize>i << 3)));
  }
  return w;
}

/** oooSampleCount is the number of out-of-order samples o holds (buffer and chunks). */
export function oooSampleCount(o: OooState): u32 {
  let n = o.count;
  const list = oooChunks(o);
  for (let c: u32 = 0; c < list.count; c++) n += <u32>bswap<u16>(load<u16>(chunkAt(list, c).buf));
  return n;
}

