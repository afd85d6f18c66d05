/**
 * Cutting the head into blocks. Once the head spans more than 1.5 block ranges, every whole
 * block range older than half a range before the newest sample is persisted as a block (one per
 * range that holds data) through the block writer, series read out of the head a batch at a
 * time. The DB first raises the head's minimum valid time to the end of what is cut, so no
 * sample for that time can arrive while the blocks are written; queries go on reading that time
 * from the head until the blocks join the set (Head.readFloor), and only then does it free the
 * head's chunks and checkpoint the WAL. (Prometheus: Head.compactable and
 * DB.compactHead.)
 */
import type { Labels } from '../../model/labels.ts';
import { writeBlock, type BlockMeta, type ColumnSeries } from '../block/index.ts';
import type { Head } from './head.ts';

/** Series decoded from the head per call while writing a block. */
const EXPORT_BATCH = 2048;

/** CutPlan: the block ranges [start, start + range) to persist, all before `end`. */
export interface CutPlan {
  starts: number[];
  end: number;
}

/** alignDown: the multiple of `range` at or below t. */
export function alignDown(t: number, range: number): number {
  return Math.floor(t / range) * range;
}

/**
 * planCut says which ranges to cut from a head spanning [minT, maxT], or undefined when it spans
 * less than 1.5 ranges. It cuts up to the newest range boundary at least half a range before
 * maxT, skipping ranges without data (`hasData(mint, maxt)` answers for inclusive bounds), so a
 * head holding a sample from long ago and the present costs a few lookups, not one per range.
 */
export function planCut(minT: number, maxT: number, range: number, hasData: (mint: number, maxt: number) => boolean): CutPlan | undefined {
  if (!(minT <= maxT)) return undefined;
  const first = alignDown(minT, range);
  if (maxT - first < range * 1.5) return undefined;
  const end = alignDown(maxT - range / 2, range);
  const starts: number[] = [];
  let s = first;
  while (s < end && hasData(s, end - 1)) {
    // The first populated range at or after s: binary search over "data in [s, x + range)".
    let lo = 0, hi = (end - s) / range - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (hasData(s, s + (mid + 1) * range - 1)) hi = mid;
      else lo = mid + 1;
    }
    const at = s + lo * range;
    starts.push(at);
    s = at + range;
  }
  return { starts, end };
}

/**
 * writeHeadRange persists the head's samples in [mint, maxt] (inclusive) as a block under
 * `parent` and returns its meta (null when there were none). Series go in label order, decoded
 * EXPORT_BATCH at a time; the caller keeps appends out of the range meanwhile. `range` sets the
 * block's declared [minTime, maxTime) (default: its first sample to one past its last).
 */
export async function writeHeadRange(
  head: Head,
  parent: string,
  mint: number,
  maxt: number,
  range?: { minTime: number; maxTime: number },
): Promise<BlockMeta | null> {
  const core = head.mem.core;
  const ix = head.mem.index;
  const refs = ix.sortByLabels(core.overlapping(ix.allPostings(), mint, maxt));
  async function* series(): AsyncGenerator<ColumnSeries> {
    for (let from = 0; from < refs.length; from += EXPORT_BATCH) {
      const part = refs.subarray(from, Math.min(refs.length, from + EXPORT_BATCH));
      const batch = core.decode(part, mint, maxt);
      let off: Int32Array, ts: Float64Array, vs: Float64Array;
      try {
        off = batch.offsets().slice();
        ts = batch.timestamps().slice();
        vs = batch.values().slice();
      } finally {
        batch.release();
      }
      for (let i = 0; i < part.length; i++) {
        const labels: Labels | undefined = ix.labels(part[i]);
        if (labels === undefined) throw new Error(`BUG: head series ${part[i]} is not in the label index`);
        yield { labels, timestamps: ts.subarray(off[i], off[i + 1]), values: vs.subarray(off[i], off[i + 1]) };
      }
    }
  }
  return writeBlock(parent, series(), { ...range, core, compression: 'none' });
}
