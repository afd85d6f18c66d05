/**
 * compact: merge blocks (adjacent or overlapping in time) into one new block, re-encoded
 * densely. Series are merged by labels; samples of a series by timestamp, equal timestamps
 * deduplicated with the earliest block's sample kept (the order of the `blocks` argument), bits
 * exact. Each source block is read in batches of series, one readColumns call per block per
 * batch. The sources are not touched: deleting them once the new block is durable is the
 * caller's (see run.ts).
 */
import type { Core } from '../../../core-wasm/host/index.ts';
import type { Labels } from '../../model/labels.ts';
import type { Block, BlockMeta, ColumnSeries } from '../block/index.ts';
import { writeBlock } from '../block/index.ts';
import { mergeParts, type Part } from './merge.ts';

/** CompactOptions for compact. */
export interface CompactOptions {
  /** Needed when a source block is XOR-encoded. */
  core?: Core;
  /** Brotli quality of the new block's pages (default: writeBlock's). */
  quality?: number;
  pageBytes?: number;
  /** Output series merged per batch (default 4096). */
  batchSeries?: number;
  /** The new id's time (default Date.now()). */
  now?: number;
}

/**
 * compact writes the merge of `blocks` (at least one) under `outDir` and returns the new block's
 * meta (null if the sources hold no samples). Its range spans all the sources'; its level is one
 * more than theirs; its sources are the union of theirs and its parents are them.
 */
export async function compact(blocks: readonly Block[], outDir: string, o: CompactOptions = {}): Promise<BlockMeta | null> {
  if (blocks.length === 0) throw new Error('BUG: compact of no blocks');
  const metas = blocks.map((b) => b.meta);
  const minTime = Math.min(...metas.map((m) => m.minTime));
  const maxTime = Math.max(...metas.map((m) => m.maxTime));
  const level = Math.max(...metas.map((m) => m.compaction.level)) + 1;
  const sources = [...new Set(metas.flatMap((m) => m.compaction.sources))].sort();
  const parents = metas.map((m) => m.ulid).sort();
  try {
    return await writeBlock(outDir, mergedSeries(blocks, o.batchSeries ?? 4096), {
      encoding: 'dense',
      core: o.core,
      quality: o.quality,
      pageBytes: o.pageBytes,
      samplesPerSeries: samplesPerSeries(metas),
      minTime,
      maxTime,
      now: o.now,
      compaction: { level, sources, parents },
    });
  } catch (err) {
    throw new Error(`compact blocks ${parents.join(', ')} into ${outDir}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * samplesPerSeries estimates the merged block's samples per series: all the sources' samples
 * over the most series any one holds (the union holds at least as many).
 */
function samplesPerSeries(metas: readonly BlockMeta[]): number {
  const series = Math.max(...metas.map((m) => m.stats.numSeries));
  return series > 0 ? metas.reduce((n, m) => n + m.stats.numSamples, 0) / series : 0;
}

/** mergedSeries yields every series of the blocks in label order, samples merged. */
function* mergedSeries(blocks: readonly Block[], batch: number): Generator<ColumnSeries> {
  const next = new Int32Array(blocks.length).fill(1); // next series id per block
  // The labels of each block's next series (built from its index once), undefined past its last.
  const head = (k: number) => (next[k] <= blocks[k].seriesCount ? blocks[k].labels(next[k]) : undefined);
  const heads = blocks.map((_, k) => head(k));
  for (;;) {
    // Plan one batch: up to `batch` output series, each with the block ids that hold it.
    const labels: Labels[] = [];
    const holders: Int32Array[] = []; // holders[s][k]: series id in block k, or 0
    const want: number[][] = blocks.map(() => []);
    while (labels.length < batch) {
      let min: Labels | undefined;
      for (const l of heads) if (l !== undefined && (min === undefined || l.compare(min) < 0)) min = l;
      if (min === undefined) break;
      const h = new Int32Array(blocks.length);
      for (let k = 0; k < blocks.length; k++) {
        if (heads[k]?.equals(min)) {
          h[k] = next[k]++;
          want[k].push(h[k]);
          heads[k] = head(k);
        }
      }
      labels.push(min);
      holders.push(h);
    }
    if (labels.length === 0) return;
    const cols = blocks.map((b, k) => (want[k].length > 0 ? b.readColumns(want[k]) : undefined));
    const cursor = new Int32Array(blocks.length);
    for (let s = 0; s < labels.length; s++) {
      const parts: Part[] = [];
      for (let k = 0; k < blocks.length; k++) {
        if (holders[s][k] === 0) continue;
        const c = cols[k]!;
        const i = cursor[k]++;
        parts.push({ ts: c.timestamps.subarray(c.offsets[i], c.offsets[i + 1]), vs: c.values.subarray(c.offsets[i], c.offsets[i + 1]) });
      }
      const m = mergeParts(parts);
      yield { labels: labels[s], timestamps: m.ts, values: m.vs };
    }
  }
}
