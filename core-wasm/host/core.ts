/**
 * Core: the TypeScript face of the WebAssembly TSDB head. It moves columns in and out of linear
 * memory in one call per batch (a scrape, a batch of samples, a list of series to decode) and
 * turns the core's refusal codes into CoreInputError and ChunkCorruptionError. A Core is not safe
 * for concurrent use from several async tasks that interleave calls; one owner per Core.
 */
import { ErrorCode, type RawCore } from './exports.ts';
import { ArgBlock, MemoryViews } from './memory.ts';
import { CoreBatch } from './batch.ts';
import { ChunkCorruptionError, CoreInputError } from './errors.ts';
import { sumRows, type SumCells, type SumRows } from './fold.ts';

/** CoreStats: what the head holds; see Core.stats. */
export interface CoreStats {
  /** Bytes of WebAssembly linear memory (everything the core owns, plus free space). */
  memoryBytes: number;
  series: number;
  /** Chunks of every kind: closed, open and out-of-order. */
  chunks: number;
  /** Bytes those chunks use (open chunks: bytes written so far). */
  chunkBytes: number;
  /** Out-of-order samples held (buffered and in out-of-order chunks). */
  oooSamples: number;
  /** Closed in-order chunks, their bytes and their samples. */
  closedChunks: number;
  closedChunkBytes: number;
  closedSamples: number;
  /** Heap bytes the head owns (series rows, buffers at capacity, lists), allocator overhead excluded. */
  headBytes: number;
}

/** ChunkExport: chunks copied out of the head, in exactly the shape decodeChunks takes. */
export interface ChunkExport {
  /** Every chunk as its encoding byte (1 = XOR) then its bytes, back to back. */
  chunks: Uint8Array;
  /** Where each chunk starts in `chunks`; chunk i ends where chunk i+1 starts (the last at the end). */
  chunkOffsets: Uint32Array;
  /** Index of each series' first chunk; series s owns chunks up to the next series' first. */
  seriesChunkStarts: Uint32Array;
  /** First and last timestamp of each chunk. */
  mint: Float64Array;
  maxt: Float64Array;
}

/** ExportOptions: what exportChunks adds to the closed in-order chunks. */
export interface ExportOptions {
  /** Also export each series' open chunk (a copy: the head keeps appending to it). */
  includeOpen?: boolean;
  /** Also export out-of-order chunks, and the out-of-order buffer encoded as one chunk. */
  includeOutOfOrder?: boolean;
}

export class Core {
  #raw: RawCore;
  #views: MemoryViews;
  #refs: ArgBlock;
  #ts: ArgBlock;
  #vals: ArgBlock;
  #status: ArgBlock;
  #data: ArgBlock;
  #out: ArgBlock;
  #foldRows: ArgBlock;
  #foldGroups: ArgBlock;

  /** The constructor takes an initialised instance; use loadCore() instead. */
  constructor(raw: RawCore) {
    this.#raw = raw;
    this.#views = new MemoryViews(raw.memory);
    this.#refs = new ArgBlock(raw);
    this.#ts = new ArgBlock(raw);
    this.#vals = new ArgBlock(raw);
    this.#status = new ArgBlock(raw);
    this.#data = new ArgBlock(raw);
    this.#out = new ArgBlock(raw);
    this.#foldRows = new ArgBlock(raw);
    this.#foldGroups = new ArgBlock(raw);
  }

  /** newSeries allocates `count` empty series and returns the first ref; the refs are consecutive. */
  newSeries(count: number): number {
    if (!Number.isInteger(count) || count < 1 || count > 0x10000000) {
      throw new CoreInputError(`newSeries: count must be an integer in 1..2^28, got ${count}`, 'count', -1);
    }
    return this.#raw.newSeries(count) >>> 0;
  }

  /** seriesCount is the number of series allocated; valid refs are 1..seriesCount(). */
  seriesCount(): number {
    return this.#raw.seriesCount() >>> 0;
  }

  /**
   * appendScrape appends (t, values[i]) to series refs[i] for i < n (default refs.length) and
   * returns one AppendStatus per sample in a fresh array. t is Unix ms (a safe integer). An unknown
   * ref throws CoreInputError and stores nothing.
   */
  appendScrape(t: number, refs: Uint32Array, values: Float64Array, n = refs.length): Uint8Array {
    if (!Number.isSafeInteger(t)) throw new CoreInputError(`appendScrape: timestamp must be an integer of ms, got ${t}`, 't', -1);
    checkCount('appendScrape', n, refs.length, values.length);
    const r = this.#raw;
    const refsPtr = this.#refs.ptr(n * 4);
    const valsPtr = this.#vals.ptr(n * 8);
    const statusPtr = this.#status.ptr(n);
    const v = this.#views.refresh();
    v.u32.set(refs.subarray(0, n), refsPtr >>> 2);
    v.f64.set(values.subarray(0, n), valsPtr >>> 3);
    const bad = r.appendScrape(t, refsPtr, valsPtr, n, statusPtr);
    if (bad >= 0) throw this.#inputError('appendScrape', bad, refs, undefined);
    return this.#views.refresh().u8.slice(statusPtr, statusPtr + n);
  }

  /**
   * appendSamples appends (ts[i], values[i]) to series refs[i] for i < n, samples of one series in
   * any order, and returns one AppendStatus per sample in a fresh array. An unknown ref or a
   * timestamp that is not a safe integer throws CoreInputError and stores nothing.
   */
  appendSamples(refs: Uint32Array, ts: Float64Array, values: Float64Array, n = refs.length): Uint8Array {
    checkCount('appendSamples', n, refs.length, values.length, ts.length);
    const r = this.#raw;
    const refsPtr = this.#refs.ptr(n * 4);
    const tsPtr = this.#ts.ptr(n * 8);
    const valsPtr = this.#vals.ptr(n * 8);
    const statusPtr = this.#status.ptr(n);
    const v = this.#views.refresh();
    v.u32.set(refs.subarray(0, n), refsPtr >>> 2);
    v.f64.set(ts.subarray(0, n), tsPtr >>> 3);
    v.f64.set(values.subarray(0, n), valsPtr >>> 3);
    const bad = r.appendSamples(refsPtr, tsPtr, valsPtr, n, statusPtr);
    if (bad >= 0) throw this.#inputError('appendSamples', bad, refs, ts);
    return this.#views.refresh().u8.slice(statusPtr, statusPtr + n);
  }

  /**
   * decode decodes the head samples of every series of refs over [mint, maxt] (Unix ms, inclusive;
   * ±Infinity allowed) into one batch; series i of the batch is refs[i]. Release the batch.
   */
  decode(refs: Uint32Array, mint: number, maxt: number): CoreBatch {
    checkRange('decode', mint, maxt);
    const refsPtr = this.#refs.ptr(refs.length * 4);
    this.#views.refresh().u32.set(refs, refsPtr >>> 2);
    const ptr = this.#raw.decodeHead(refsPtr, refs.length, mint, maxt);
    if (ptr === 0) throw this.#inputError('decode', this.#raw.lastErrorIndex(), refs, undefined);
    return new CoreBatch(this.#raw, this.#views, ptr >>> 0, this.#foldGroups);
  }

  /**
   * decodeChunks decodes chunks supplied by the caller into one batch of seriesChunkStarts.length
   * series, keeping samples in [mint, maxt]. `chunks` holds every chunk as an encoding byte (1 =
   * XOR, 2 = dense, see docs/block-format.md) then its bytes; chunk i starts at chunkOffsets[i] and
   * ends where chunk i+1 starts (the last at chunks.length). Series s owns chunks
   * seriesChunkStarts[s] up to seriesChunkStarts[s+1] (the last up to chunkOffsets.length). If
   * chunkSamples is given (one count per chunk, as a block's index records them), each chunk must
   * hold exactly that many samples. Chunks of a series may overlap in time: its samples are sorted
   * and the first of equal timestamps kept. With `valuesUnused` (a reader of the times and the
   * staleness markers only), dense chunks of integers leave their other values 0, unread.
   * Throws ChunkCorruptionError or CoreInputError.
   */
  decodeChunks(chunks: Uint8Array, chunkOffsets: Uint32Array, seriesChunkStarts: Uint32Array, mint: number, maxt: number, chunkSamples?: Uint32Array, valuesUnused = false): CoreBatch {
    checkRange('decodeChunks', mint, maxt);
    if (chunkSamples && chunkSamples.length !== chunkOffsets.length) {
      throw new CoreInputError(`decodeChunks: ${chunkSamples.length} chunkSamples for ${chunkOffsets.length} chunks`, 'chunkSamples', -1);
    }
    const dataPtr = this.#data.ptr(chunks.length + 16);
    const offPtr = this.#ts.ptr(chunkOffsets.length * 4);
    const startsPtr = this.#refs.ptr(seriesChunkStarts.length * 4);
    const countsPtr = chunkSamples ? this.#out.ptr(chunkSamples.length * 4) : 0;
    const v = this.#views.refresh();
    v.u8.set(chunks, dataPtr);
    v.u8.fill(0, dataPtr + chunks.length, dataPtr + chunks.length + 16);
    v.u32.set(chunkOffsets, offPtr >>> 2);
    v.u32.set(seriesChunkStarts, startsPtr >>> 2);
    if (chunkSamples) v.u32.set(chunkSamples, countsPtr >>> 2);
    const r = this.#raw;
    const ptr = r.decodeChunks(dataPtr, chunks.length, offPtr, chunkOffsets.length, startsPtr, seriesChunkStarts.length, mint, maxt, countsPtr, valuesUnused ? 1 : 0);
    if (ptr !== 0) return new CoreBatch(r, this.#views, ptr >>> 0, this.#foldGroups);
    const code = r.lastErrorCode();
    const i = r.lastErrorIndex();
    const chunk = `decodeChunks: chunk ${i} (at byte ${chunkOffsets[i]})`;
    switch (code) {
      case ErrorCode.CORRUPT_CHUNK:
        throw new ChunkCorruptionError(`${chunk} is corrupt`, i);
      case ErrorCode.BAD_ENCODING:
        throw new ChunkCorruptionError(`${chunk} has encoding ${chunks[chunkOffsets[i]]}, want 1 (XOR) or 2 (dense)`, i);
      case ErrorCode.SAMPLE_COUNT:
        throw new ChunkCorruptionError(`${chunk} does not hold the ${chunkSamples?.[i]} samples chunkSamples gives`, i);
      case ErrorCode.BAD_CHUNK_OFFSET:
        throw new CoreInputError(`decodeChunks: chunkOffsets[${i}] = ${chunkOffsets[i]} leaves chunk ${i} out of order, past the data or shorter than 3 bytes`, 'chunkOffsets', i);
      case ErrorCode.BAD_SERIES_START:
        throw new CoreInputError(`decodeChunks: seriesChunkStarts[${i}] = ${seriesChunkStarts[i]} is out of order or past the ${chunkOffsets.length} chunks`, 'seriesChunkStarts', i);
      case ErrorCode.TOO_LARGE:
        throw new CoreInputError('decodeChunks: the chunks hold too many samples for one batch (1 GiB); split the call', 'chunks', -1);
      default:
        throw new Error(`BUG: decodeChunks failed with unknown code ${code}`);
    }
  }

  /**
   * fromColumns copies samples computed outside the head (a subquery's points) into a new batch
   * in one copy, so that the kernels can run on them. Series i owns [offsets[i], offsets[i+1]) of
   * the columns; offsets must not decrease and must stay within the columns, and each series'
   * timestamps must be finite and strictly increasing (else CoreInputError). Value bits are kept
   * exactly (staleness markers included). Release the batch.
   */
  fromColumns(offsets: Int32Array, timestamps: Float64Array, values: Float64Array): CoreBatch {
    const n = timestamps.length;
    if (values.length !== n) throw new CoreInputError(`fromColumns: ${n} timestamps but ${values.length} values`, 'values', -1);
    if (offsets.length < 1) throw new CoreInputError('fromColumns: offsets needs at least one element (series count + 1)', 'offsets', -1);
    const series = offsets.length - 1;
    for (let i = 0; i <= series; i++) {
      const o = offsets[i];
      if (o < (i === 0 ? 0 : offsets[i - 1]) || o > n) {
        throw new CoreInputError(`fromColumns: offsets[${i}] = ${o} decreases or is outside the ${n} samples`, 'offsets', i);
      }
    }
    for (let s = 0; s < series; s++) {
      for (let i = offsets[s]; i < offsets[s + 1]; i++) {
        const t = timestamps[i];
        if (!Number.isFinite(t) || (i > offsets[s] && !(t > timestamps[i - 1]))) {
          throw new CoreInputError(`fromColumns: timestamps[${i}] = ${t} of series ${s} is not finite or not after its predecessor`, 'timestamps', i);
        }
      }
    }
    const r = this.#raw;
    const ptr = r.allocColumns(series, n);
    if (ptr === 0) throw new CoreInputError(`fromColumns: ${n} samples are too many for one batch (1 GiB); split the call`, 'timestamps', -1);
    const batch = new CoreBatch(r, this.#views, ptr >>> 0, this.#foldGroups);
    const v = this.#views.refresh();
    v.i32.set(offsets, batch.offsetsPtr >>> 2);
    v.f64.set(timestamps, batch.timestampsPtr >>> 3);
    v.f64.set(values, batch.valuesPtr >>> 3);
    return batch;
  }

  /**
   * mergeBatches builds one batch from series of other batches of this core, all in WebAssembly
   * memory. Output series s is the union of parts [partStarts[s], partStarts[s+1]); part p is
   * series parts[2p+1] of batches[parts[2p]]. Parts are in priority order: of two samples with
   * the same timestamp, the earlier part's is kept. The inputs stay valid; release them and the
   * result. Throws CoreInputError for a part or a start that names nothing.
   */
  mergeBatches(batches: readonly CoreBatch[], parts: Uint32Array, partStarts: Uint32Array): CoreBatch {
    if (partStarts.length < 1) throw new CoreInputError('mergeBatches: partStarts needs at least one element (series count + 1)', 'partStarts', -1);
    const series = partStarts.length - 1;
    if (parts.length % 2 !== 0 || partStarts[series] !== parts.length / 2) {
      throw new CoreInputError(`mergeBatches: partStarts ends at ${partStarts[series]} but parts holds ${parts.length / 2} pairs`, 'partStarts', series);
    }
    const batchesPtr = this.#refs.ptr(batches.length * 4);
    const partsPtr = this.#ts.ptr(parts.length * 4);
    const startsPtr = this.#data.ptr(partStarts.length * 4);
    const v = this.#views.refresh();
    batches.forEach((b, i) => {
      v.u32[(batchesPtr >>> 2) + i] = b.addressIn(this.#raw);
    });
    v.u32.set(parts, partsPtr >>> 2);
    v.u32.set(partStarts, startsPtr >>> 2);
    const r = this.#raw;
    const ptr = r.mergeBatches(batchesPtr, batches.length, partsPtr, startsPtr, series);
    if (ptr !== 0) return new CoreBatch(r, this.#views, ptr >>> 0, this.#foldGroups);
    const code = r.lastErrorCode();
    const i = r.lastErrorIndex();
    switch (code) {
      case ErrorCode.BAD_PART:
        throw new CoreInputError(`mergeBatches: part ${i} (batch ${parts[2 * i]}, series ${parts[2 * i + 1]}) names no series of the ${batches.length} batches`, 'parts', i);
      case ErrorCode.BAD_SERIES_START:
        throw new CoreInputError(`mergeBatches: partStarts[${i}] = ${partStarts[i]} is out of order or past the parts`, 'partStarts', i);
      case ErrorCode.TOO_LARGE:
        throw new CoreInputError('mergeBatches: the parts hold too many samples for one batch (1 GiB); split the call', 'parts', -1);
      default:
        throw new Error(`BUG: mergeBatches failed with unknown code ${code}`);
    }
  }

  /** overlapping returns, in order, the refs whose series hold a sample in [mint, maxt]. */
  overlapping(refs: Uint32Array, mint: number, maxt: number): Uint32Array {
    checkRange('overlapping', mint, maxt);
    const refsPtr = this.#refs.ptr(refs.length * 4);
    const outPtr = this.#out.ptr(refs.length * 4);
    this.#views.refresh().u32.set(refs, refsPtr >>> 2);
    const k = this.#raw.overlapping(refsPtr, refs.length, mint, maxt, outPtr);
    if (k < 0) throw this.#inputError('overlapping', this.#raw.lastErrorIndex(), refs, undefined);
    return this.#views.refresh().u32.slice(outPtr >>> 2, (outPtr >>> 2) + k);
  }

  /** exportChunks copies the closed chunks of refs (and, on request, open and out-of-order data) out. */
  exportChunks(refs: Uint32Array, options: ExportOptions = {}): ChunkExport {
    const flags = (options.includeOpen ? 1 : 0) | (options.includeOutOfOrder ? 2 : 0);
    const refsPtr = this.#refs.ptr(refs.length * 4);
    this.#views.refresh().u32.set(refs, refsPtr >>> 2);
    const r = this.#raw;
    const p = r.exportChunks(refsPtr, refs.length, flags);
    if (p === 0) throw this.#inputError('exportChunks', r.lastErrorIndex(), refs, undefined);
    const v = this.#views.refresh();
    const h = p >>> 2;
    const [count, dataLen, series, data, offsets, starts, mints, maxts] = v.u32.subarray(h, h + 8);
    const out: ChunkExport = {
      chunks: v.u8.slice(data, data + dataLen),
      chunkOffsets: v.u32.slice(offsets >>> 2, (offsets >>> 2) + count),
      seriesChunkStarts: v.u32.slice(starts >>> 2, (starts >>> 2) + series),
      mint: v.f64.slice(mints >>> 3, (mints >>> 3) + count),
      maxt: v.f64.slice(maxts >>> 3, (maxts >>> 3) + count),
    };
    r.freeBatch(p);
    return out;
  }

  /**
   * truncateBefore frees every closed and out-of-order chunk whose samples are all older than t
   * (Unix ms), for use once they are persisted, and returns how many it freed. Open chunks stay;
   * refs stay valid. Duplicate checks no longer see freed samples: a late sample at a freed
   * timestamp, still inside the out-of-order window, is stored again (readers merging blocks with
   * the head de-duplicate it).
   */
  truncateBefore(t: number): number {
    if (!Number.isSafeInteger(t)) throw new CoreInputError(`truncateBefore: t must be an integer of ms, got ${t}`, 't', -1);
    return this.#raw.truncateBefore(t) >>> 0;
  }

  /**
   * encodeChunk encodes samples (timestamps in order, at most 65535) into one XOR chunk with its
   * encoding byte in front, exactly as the head would; for tests and tools, outside the head.
   */
  encodeChunk(ts: Float64Array, values: Float64Array): Uint8Array {
    const n = ts.length;
    if (values.length !== n) throw new CoreInputError(`encodeChunk: ${n} timestamps but ${values.length} values`, 'values', -1);
    if (n > 0xffff) throw new CoreInputError(`encodeChunk: ${n} samples, a chunk holds at most 65535`, 'ts', -1);
    for (let i = 0; i < n; i++) {
      if (!Number.isSafeInteger(ts[i])) throw new CoreInputError(`encodeChunk: ts[${i}] = ${ts[i]} is not an integer of ms`, 'ts', i);
    }
    const tsPtr = this.#ts.ptr(n * 8);
    const valsPtr = this.#vals.ptr(n * 8);
    const v = this.#views.refresh();
    v.f64.set(ts, tsPtr >>> 3);
    v.f64.set(values, valsPtr >>> 3);
    const p = this.#raw.encodeChunk(tsPtr, valsPtr, n);
    const len = this.#raw.lastEncodedLength();
    const out = this.#views.refresh().u8.slice(p, p + len);
    this.#raw.free(p);
    return out;
  }

  /**
   * sumRows folds rows of a step matrix into running sums as PromQL's `sum` adds them (Prometheus'
   * compensated kahanSumInc, cell by cell, row after row): row i of [row, row + count) goes to
   * group groupOf[i] of `cells` (−1: skipped), whose first value in a cell is taken as it is.
   * Returns how many present cells it folded. The rows and their groups' cells pass through the
   * core's memory for the call only (host/fold.ts).
   */
  sumRows(rows: SumRows, row: number, count: number, steps: number, groupOf: Int32Array, cells: SumCells): number {
    return sumRows(this.#raw, this.#views, this.#foldRows, this.#foldGroups, rows, row, count, steps, groupOf, cells);
  }

  /** stats walks every series (O(series)) and reports what the head holds. */
  stats(): CoreStats {
    const p = this.#raw.stats() >>> 3;
    const f = this.#views.refresh().f64;
    return {
      memoryBytes: this.#views.byteLength,
      series: f[p],
      chunks: f[p + 1],
      chunkBytes: f[p + 2],
      closedChunks: f[p + 3],
      closedChunkBytes: f[p + 4],
      closedSamples: f[p + 5],
      oooSamples: f[p + 6],
      headBytes: f[p + 7],
    };
  }

  #inputError(call: string, i: number, refs: Uint32Array, ts: Float64Array | undefined): Error {
    const code = this.#raw.lastErrorCode();
    if (code === ErrorCode.BAD_REF) {
      return new CoreInputError(`${call}: refs[${i}] = ${refs[i]} names no series (valid: 1..${this.seriesCount()})`, 'refs', i);
    }
    if (code === ErrorCode.BAD_TIMESTAMP && ts) {
      return new CoreInputError(`${call}: ts[${i}] = ${ts[i]} is not an integer of ms within ±2^53`, 'ts', i);
    }
    if (code === ErrorCode.TOO_LARGE) {
      return new CoreInputError(`${call}: too many samples for one batch (1 GiB); split the call`, 'refs', -1);
    }
    return new Error(`BUG: ${call} failed with code ${code} at ${i}`);
  }
}

function checkCount(call: string, n: number, ...lengths: number[]): void {
  if (!Number.isInteger(n) || n < 0 || lengths.some((l) => n > l)) {
    throw new CoreInputError(`${call}: n = ${n} is not a count within the columns' lengths (${lengths.join(', ')})`, 'n', -1);
  }
}

function checkRange(call: string, mint: number, maxt: number): void {
  if (Number.isNaN(mint) || Number.isNaN(maxt)) {
    throw new CoreInputError(`${call}: time range [${mint}, ${maxt}] has NaN`, Number.isNaN(mint) ? 'mint' : 'maxt', -1);
  }
}
