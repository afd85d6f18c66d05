/**
 * Gathered chunks: the encoded chunks of a run of series, copied out of a block's pages in the
 * shape Core.decodeChunks takes, so that one WebAssembly call decodes them. Several blocks'
 * chunk plans can be gathered series by series into one buffer (interleave) and decoded
 * together: a query over many blocks then decodes every series' chunks in place, without a
 * batch per block and a merge, and copies each chunk once.
 */
import { ChunkCorruptionError, type Core, type CoreBatch } from '../../../core-wasm/host/index.ts';
import { giveBytes, takeBytes } from './gather-buffers.ts';

/** GatheredChunks: chunks of `starts.length` series, back to back in `data`. */
export interface GatheredChunks {
  /**
   * Every chunk (its encoding byte, then its bytes), back to back, in a gather buffer of its own
   * (gather-buffers.ts; the buffer may be longer), which decodeGathered gives back (release).
   */
  readonly data: Uint8Array;
  /** Where chunk j starts in data; it ends where chunk j + 1 starts (the last at the end). */
  readonly offsets: Uint32Array;
  /** Series s owns chunks [starts[s], starts[s + 1]) (the last up to the chunk count). */
  readonly starts: Uint32Array;
  /** The sample count of chunk j, as the block's index records it. */
  readonly samples: Uint32Array;
  /** corruption: the error to raise when decodeChunks finds chunk j damaged. */
  corruption(j: number, err: ChunkCorruptionError): Error;
  /** release: the chunks are decoded; their buffer may be used again (a worker sends its own back). */
  release(): void;
}

/**
 * decodeGathered decodes gathered chunks into one batch of their series over [mint, maxt]; a
 * damaged chunk raises the error its gather names (a CorruptionError of its block). Either way
 * the chunks are released after: their bytes are in the core (or refused) by then.
 */
export function decodeGathered(core: Core, g: GatheredChunks, mint: number, maxt: number, valuesUnused = false): CoreBatch {
  try {
    return core.decodeChunks(g.data, g.offsets, g.starts, mint, maxt, g.samples, valuesUnused);
  } catch (err) {
    if (err instanceof ChunkCorruptionError) throw g.corruption(err.chunkIndex, err);
    throw err;
  } finally {
    g.release();
  }
}

/** giveBack: a GatheredChunks.release that gives `data`'s buffer back to the gather buffers. */
export function giveBack(data: Uint8Array): () => void {
  return () => giveBytes(data.buffer as ArrayBuffer);
}

/**
 * ChunkPlan: the chunks of a run of series a block chose for a read (Block.plan), not copied yet:
 * series s owns chunks [starts[s], starts[s + 1]) (the last up to the chunk count), chunk j is
 * lengths[j] bytes (its encoding byte included) and holds samples[j] samples. copy() writes each
 * chunk j to data at offsets[j], and checks its encoding byte (a CorruptionError of its block).
 */
export interface ChunkPlan {
  readonly lengths: Uint32Array;
  readonly samples: Uint32Array;
  readonly starts: Uint32Array;
  copy(data: Uint8Array, offsets: Uint32Array): void;
  corruption(j: number, err: ChunkCorruptionError): Error;
}

/**
 * interleave gathers plans series by series into one buffer: output series s holds, in order,
 * the chunks of the parts [partStarts[s], partStarts[s + 1]), part p being series
 * parts[2p + 1] of sources[parts[2p]]. Each block copies its chunks straight to their place
 * (no gather per block, then a copy). Decoding keeps, of two samples with the same timestamp,
 * the earlier part's (decodeChunks sorts a series whose chunks overlap, stably, and keeps the
 * first).
 */
export function interleave(sources: readonly ChunkPlan[], parts: Uint32Array, partStarts: Uint32Array): GatheredChunks {
  const series = partStarts.length - 1;
  const chunkEnd = (g: ChunkPlan, s: number): number => (s + 1 < g.starts.length ? g.starts[s + 1] : g.lengths.length);
  let count = 0;
  for (let p = 0; p < parts.length / 2; p++) {
    const g = sources[parts[2 * p]], s = parts[2 * p + 1];
    count += chunkEnd(g, s) - g.starts[s];
  }
  const offsets = new Uint32Array(count);
  const starts = new Uint32Array(series);
  const samples = new Uint32Array(count);
  // Where each output chunk goes and came from, and where each source's chunks go.
  const fromSource = new Uint32Array(count), fromChunk = new Uint32Array(count);
  const dest = sources.map((g) => new Uint32Array(g.lengths.length));
  let at = 0, k = 0;
  for (let s = 0; s < series; s++) {
    starts[s] = k;
    for (let p = partStarts[s]; p < partStarts[s + 1]; p++) {
      const src = parts[2 * p], g = sources[src], gs = parts[2 * p + 1];
      for (let j = g.starts[gs]; j < chunkEnd(g, gs); j++) {
        offsets[k] = dest[src][j] = at;
        samples[k] = g.samples[j];
        fromSource[k] = src;
        fromChunk[k++] = j;
        at += g.lengths[j];
      }
    }
  }
  const planned = sources.reduce((n, g) => n + g.lengths.length, 0);
  if (planned !== count) throw new Error(`BUG: interleave places ${count} of the ${planned} chunks its sources planned`);
  const data = takeBytes(at);
  sources.forEach((g, i) => g.copy(data, dest[i]));
  return {
    data, offsets, starts, samples,
    corruption: (j, err) => sources[fromSource[j]].corruption(fromChunk[j], err),
    release: giveBack(data),
  };
}
