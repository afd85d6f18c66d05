// Sample batches: the columns a decode call fills, in one heap block that the host frees with
// freeBatch when it releases the batch. Series i of a batch owns sample indexes
// [offsets[i], offsets[i+1]) of the timestamp and value columns.
import { setError, ERR_TOO_LARGE } from './errors';

/**
 * Batch: header of one block that also holds the columns, in this order.
 *
 * ```
 *  0          4          8          12         16         20         24     32
 *  ├ series ──┼ samples ─┼ offsets ─┼ ts ──────┼ vs ──────┼ room ────┼ pad ─┤ offsets: i32[series+1]
 *  … (8-aligned) ts: f64[room] … vs: f64[room]
 * ```
 * `room` is the sample capacity (an upper bound computed before decoding); `samples` ≤ room is
 * the number decoded. offsets/ts/vs are absolute addresses into the same block.
 */
@unmanaged export class Batch {
  seriesCount: u32;
  sampleCount: u32;
  offsets: usize;
  ts: usize;
  vs: usize;
  room: u32;
}

@inline const HEADER: usize = 32;
@inline const MAX_BLOCK: u64 = 1 << 30;

/** allocBatch allocates a batch for `series` series and at most `room` samples, or returns 0 (ERR_TOO_LARGE). */
export function allocBatch(series: u32, room: u64): Batch | null {
  const offsetsBytes = ((<u64>series + 1) * 4 + 7) & ~7;
  const bytes = <u64>HEADER + offsetsBytes + room * 16;
  if (bytes > MAX_BLOCK) {
    setError(ERR_TOO_LARGE, 0);
    return null;
  }
  const p = heap.alloc(<usize>bytes);
  const b = changetype<Batch>(p);
  b.seriesCount = series;
  b.sampleCount = 0;
  b.offsets = p + HEADER;
  b.ts = p + HEADER + <usize>offsetsBytes;
  b.vs = b.ts + (<usize>room << 3);
  b.room = <u32>room;
  return b;
}

/** freeBatch frees a batch returned by a decode call. */
export function freeBatch(b: usize): void {
  heap.free(b);
}

/**
 * allocColumns allocates a batch of `series` series and exactly `samples` samples for the host
 * to fill (offsets, then the columns), or returns 0 (ERR_TOO_LARGE). Free it with freeBatch.
 */
export function allocColumns(series: u32, samples: u32): usize {
  const b = allocBatch(series, samples);
  if (b === null) return 0;
  b.sampleCount = samples;
  return changetype<usize>(b);
}
