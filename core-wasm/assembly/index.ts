// Outpost's WebAssembly core: the XOR chunk codec, the in-memory head of the TSDB and the PromQL
// kernels. This entry re-exports the flat functions the host (core-wasm/host) calls; every
// argument is a number or an address in linear memory. See docs/head.md, docs/chunk-format.md
// and docs/kernels.md.
import {
  configure, newSeries as allocSeries, seriesCount as countSeries, seriesAt, closedChunks, chunkAt,
  Series, SERIES_SIZE, ChunkMeta, CHUNK_META_SIZE,
} from './series';
import { ChunkWriter, CHUNK_WRITER_SIZE, writerStart, writerAppend, writerBytes } from './xor-encode';
import { OooState, OOO_STATE_SIZE, oooChunks, oooSampleCount } from './ooo';
import { chunkSampleCount } from './xor-decode';
import { setError, ERR_TOO_MANY_SAMPLES } from './errors';
import { ENC_XOR } from './head-read';

export { appendScrape, appendSamples } from './head-append';
export { decodeHead, overlapping, exportChunks } from './head-read';
export { decodeChunks } from './chunks-read';
export { mergeBatches } from './merge';
export { truncateBefore } from './head-truncate';
export { freeBatch, allocColumns } from './batch';
export { instantKernel } from './kernels/instant';
export { rangeKernel } from './kernels/range';
export { sumRows } from './kernels/fold';
export { lastErrorCode, lastErrorIndex } from './errors';
export { decodeXor } from './xor-decode';

/** init sets the head's options: out-of-order window and chunk range in ms, samples per chunk. */
export function init(oooWindowMs: f64, chunkRangeMs: f64, samplesPerChunk: u32): void {
  if (offsetof<Series>() != SERIES_SIZE || offsetof<ChunkWriter>() != CHUNK_WRITER_SIZE || offsetof<ChunkMeta>() != CHUNK_META_SIZE || offsetof<OooState>() != OOO_STATE_SIZE) {
    throw new Error('BUG: a structure does not match its layout diagram');
  }
  configure(<i64>oooWindowMs, <i64>chunkRangeMs, samplesPerChunk);
}

/** alloc returns a heap block of `size` bytes for the host; free it with free(). */
export function alloc(size: usize): usize {
  return heap.alloc(size);
}

/** free frees a block from alloc(). */
export function free(ptr: usize): void {
  heap.free(ptr);
}

/** newSeries allocates n empty series and returns the first ref (refs are consecutive). */
export function newSeries(n: u32): u32 {
  return allocSeries(n);
}

/** seriesCount is the number of series; valid refs are 1..seriesCount. */
export function seriesCount(): u32 {
  return countSeries();
}

let encodedLength: u32 = 0;

/**
 * encodeChunk encodes n samples (f64 ms timestamps at ts, value bits at vs) into one XOR chunk,
 * prefixed by the encoding byte, in a new block (free it with free()); lastEncodedLength() is its
 * length. Returns 0 after setError when n exceeds a chunk's 65535 samples.
 */
export function encodeChunk(ts: usize, vs: usize, n: u32): usize {
  if (n > 0xffff) {
    setError(ERR_TOO_MANY_SAMPLES, 0);
    return 0;
  }
  const w = changetype<ChunkWriter>(heap.alloc(offsetof<ChunkWriter>()));
  writerStart(w, n > 0 ? <i64>load<f64>(ts) : 0, 64 + n * 19);
  for (let i: u32 = 0; i < n; i++) writerAppend(w, <i64>load<f64>(ts + (<usize>i << 3)), load<u64>(vs + (<usize>i << 3)));
  const len = writerBytes(w);
  const out = heap.alloc(len + 1);
  store<u8>(out, ENC_XOR);
  memory.copy(out + 1, w.buf, len);
  heap.free(w.buf);
  heap.free(changetype<usize>(w));
  encodedLength = len + 1;
  return out;
}

/** encodedLength is the length of the block the last encodeChunk returned (lastEncodedLength). */
export function lastEncodedLength(): u32 {
  return encodedLength;
}

/**
 * Stats: what stats() fills, 8 f64s.
 *
 * ```
 *  0 series · 8 chunks (closed + open + out-of-order) · 16 chunkBytes (all chunks, used bytes)
 *  24 closedChunks · 32 closedChunkBytes · 40 closedSamples · 48 oooSamples · 56 headBytes
 * ```
 * headBytes counts the heap blocks the head owns (series table rows, chunk buffers at capacity,
 * chunk lists, out-of-order state), without allocator overhead.
 */
let statsBlock: usize = 0;

/** stats walks every series and returns the address of the Stats block (valid until the next call). */
export function stats(): usize {
  if (statsBlock == 0) statsBlock = heap.alloc(64);
  const n = countSeries();
  let chunks: f64 = 0, chunkBytes: f64 = 0, closed: f64 = 0, closedBytes: f64 = 0, closedSamples: f64 = 0;
  let ooo: f64 = 0, headBytes: f64 = <f64>n * SERIES_SIZE;
  for (let ref: u32 = 1; ref <= n; ref++) {
    const s = seriesAt(ref);
    if (s.num > 0) {
      chunks++;
      chunkBytes += writerBytes(s);
      headBytes += s.cap;
    }
    const list = closedChunks(s);
    headBytes += <f64>list.cap * CHUNK_META_SIZE;
    for (let c: u32 = 0; c < list.count; c++) {
      const m = chunkAt(list, c);
      closed++;
      closedBytes += m.len;
      closedSamples += chunkSampleCount(m.buf);
    }
    if (s.ooo != 0) {
      const o = changetype<OooState>(s.ooo);
      const ol = oooChunks(o);
      ooo += oooSampleCount(o);
      headBytes += OOO_STATE_SIZE + <f64>o.cap * 16 + <f64>ol.cap * CHUNK_META_SIZE;
      for (let c: u32 = 0; c < ol.count; c++) {
        chunks++;
        chunkBytes += chunkAt(ol, c).len;
        headBytes += chunkAt(ol, c).len;
      }
    }
  }
  chunks += closed;
  chunkBytes += closedBytes;
  headBytes += closedBytes;
  store<f64>(statsBlock, <f64>n);
  store<f64>(statsBlock + 8, chunks);
  store<f64>(statsBlock + 16, chunkBytes);
  store<f64>(statsBlock + 24, closed);
  store<f64>(statsBlock + 32, closedBytes);
  store<f64>(statsBlock + 40, closedSamples);
  store<f64>(statsBlock + 48, ooo);
  store<f64>(statsBlock + 56, headBytes);
  return statsBlock;
}
