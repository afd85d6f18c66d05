/**
 * Gathered chunks: the encoded chunks of a run of series, copied out of a block's pages in the
 * shape Core.decodeChunks takes, so that one WebAssembly call decodes them. Several blocks'
 * gathers can be interleaved series by series (interleave) and decoded together: a query over
 * many blocks then decodes every series' chunks in place, without a batch per block and a merge.
 */
import { ChunkCorruptionError, type Core, type CoreBatch } from '../../../core-wasm/host/index.ts';

/** GatheredChunks: chunks of `starts.length` series, back to back in `data`. */
export interface GatheredChunks {
  /** Every chunk (its encoding byte, then its bytes), back to back. */
  readonly data: Uint8Array;
  /** Where chunk j starts in data; it ends where chunk j + 1 starts (the last at the end). */
  readonly offsets: Uint32Array;
  /** Series s owns chunks [starts[s], starts[s + 1]) (the last up to the chunk count). */
  readonly starts: Uint32Array;
  /** The sample count of chunk j, as the block's index records it. */
  readonly samples: Uint32Array;
  /** corruption: the error to raise when decodeChunks finds chunk j damaged. */
  corruption(j: number, err: ChunkCorruptionError): Error;
}

/**
 * decodeGathered decodes gathered chunks into one batch of their series over [mint, maxt]; a
 * damaged chunk raises the error its gather names (a CorruptionError of its block).
 */
export function decodeGathered(core: Core, g: GatheredChunks, mint: number, maxt: number): CoreBatch {
  try {
    return core.decodeChunks(g.data, g.offsets, g.starts, mint, maxt, g.samples);
  } catch (err) {
    if (err instanceof ChunkCorruptionError) throw g.corruption(err.chunkIndex, err);
    throw err;
  }
}

/**
 * interleave joins gathers series by series: output series s holds, in order, the chunks of the
 * parts [partStarts[s], partStarts[s + 1]), part p being series parts[2p + 1] of
 * sources[parts[2p]]. Decoding keeps, of two samples with the same timestamp, the earlier
 * part's (decodeChunks sorts a series whose chunks overlap, stably, and keeps the first).
 */
export function interleave(sources: readonly GatheredChunks[], parts: Uint32Array, partStarts: Uint32Array): GatheredChunks {
  const series = partStarts.length - 1;
  if (sources.length === 1 && isIdentity(parts, partStarts, sources[0].starts.length)) return sources[0]; // one block, in order: nothing to join
  const chunkEnd = (g: GatheredChunks, s: number): number => (s + 1 < g.starts.length ? g.starts[s + 1] : g.offsets.length);
  const dataEnd = (g: GatheredChunks, j: number): number => (j < g.offsets.length ? g.offsets[j] : g.data.length);
  let bytes = 0, count = 0;
  for (let p = 0; p < parts.length / 2; p++) {
    const g = sources[parts[2 * p]], s = parts[2 * p + 1];
    const first = g.starts[s], end = chunkEnd(g, s);
    count += end - first;
    bytes += dataEnd(g, end) - dataEnd(g, first);
  }
  const data = new Uint8Array(bytes);
  const offsets = new Uint32Array(count);
  const starts = new Uint32Array(series);
  const samples = new Uint32Array(count);
  // Where each output chunk came from, to name it when it is damaged.
  const fromSource = new Uint32Array(count), fromChunk = new Uint32Array(count);
  let at = 0, k = 0;
  for (let s = 0; s < series; s++) {
    starts[s] = k;
    for (let p = partStarts[s]; p < partStarts[s + 1]; p++) {
      const src = parts[2 * p], g = sources[src], gs = parts[2 * p + 1];
      const first = g.starts[gs], end = chunkEnd(g, gs);
      const from = dataEnd(g, first), to = dataEnd(g, end);
      data.set(g.data.subarray(from, to), at);
      for (let j = first; j < end; j++) {
        offsets[k] = at + (g.offsets[j] - from);
        samples[k] = g.samples[j];
        fromSource[k] = src;
        fromChunk[k++] = j;
      }
      at += to - from;
    }
  }
  return {
    data, offsets, starts, samples,
    corruption: (j, err) => sources[fromSource[j]].corruption(fromChunk[j], err),
  };
}

/** isIdentity: whether parts name series 0, 1, … of source 0, one each, for all `count` series of it. */
function isIdentity(parts: Uint32Array, partStarts: Uint32Array, count: number): boolean {
  if (partStarts.length - 1 !== count || parts.length !== 2 * count) return false;
  for (let s = 0; s < count; s++) if (partStarts[s] !== s || parts[2 * s] !== 0 || parts[2 * s + 1] !== s) return false;
  return true;
}
