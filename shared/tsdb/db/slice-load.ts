/**
 * The second half of loading one slice of a merged selection (db-read.ts): decoding the chunks
 * gathered from blocks and joining them with the batches other sources (the head) decoded, into
 * the one batch the kernels read. MergedSeriesSet.load runs it right after gathering, in the
 * query's thread; a query worker (shared/promql/parallel/) runs decodePortable on a slice the
 * query's thread handed over, so that decoding a long range shares the machine's cores.
 */
import { type Core, type CoreBatch } from '../../../core-wasm/host/index.ts';
import type { PortableLoad } from '../../storage/interface.ts';
import { decodeGathered, type GatheredChunks } from '../block/gather.ts';

/**
 * joinSlice decodes `chunks` (when there are any) within [mint, maxt] and joins the result with
 * `others` through Core.mergeBatches(parts, partStarts), the chunks' batch first; with one source
 * only, that source's batch is the result. The caller releases `others`. valuesUnused: see
 * LoadOptions.
 */
export function joinSlice(
  core: Core, chunks: GatheredChunks | null, mint: number, maxt: number, others: readonly CoreBatch[],
  parts: Uint32Array | null, partStarts: Uint32Array | null, valuesUnused = false,
): CoreBatch {
  const decoded = chunks === null ? null : decodeGathered(core, chunks, mint, maxt, valuesUnused);
  if (parts === null || partStarts === null) {
    if (decoded === null || others.length > 0) throw new Error('BUG: joinSlice of several sources without parts');
    return decoded;
  }
  try {
    return core.mergeBatches(decoded === null ? others : [decoded, ...others], parts, partStarts);
  } finally {
    decoded?.release();
  }
}

/**
 * decodePortable loads a PortableLoad into `core`: its columns become batches, its chunks are
 * decoded, and joinSlice joins them. A damaged chunk raises the core's ChunkCorruptionError,
 * which the thread that gathered the chunks names (PortableSlice.corruption).
 */
export function decodePortable(core: Core, p: PortableLoad): CoreBatch {
  const others: CoreBatch[] = [];
  try {
    for (const c of p.columns) others.push(core.fromColumns(c.offsets, c.timestamps, c.values));
    // The worker sends the chunks' buffer back with its reply (shared/promql/parallel/worker.ts).
    const chunks: GatheredChunks | null = p.chunks && { ...p.chunks, corruption: (_j, err) => err, release: () => {} };
    const batch = joinSlice(core, chunks, p.mint, p.maxt, others, p.parts, p.partStarts, p.valuesUnused);
    if (batch.seriesCount !== p.seriesCount) {
      batch.release();
      throw new Error(`BUG: a portable slice of ${p.seriesCount} series decoded into ${batch.seriesCount}`);
    }
    return batch;
  } finally {
    for (const b of others) b.release();
  }
}
