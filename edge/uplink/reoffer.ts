/**
 * reofferRecent closes the window between the edge's two writes of a scrape: the edge commits a
 * scrape to its own TSDB, then stores it in the uplink's backlog. A SIGKILL between the two would
 * leave that scrape on the edge but never on the hub. At start, before scraping resumes, the edge
 * therefore re-offers its newest stored samples (the `windowMs` before the newest one) as
 * backfill. The hub stores an exact repeat (same series, timestamp and value) as a no-op, so what
 * did reach it is not stored twice. Samples load in slices of series, bounding memory.
 */
import { Matcher } from '../../shared/model/matcher.ts';
import type { Labels } from '../../shared/model/labels.ts';
import type { Queryable } from '../../shared/storage/interface.ts';

/** The default window: longer than any scrape that can be in flight between the two writes. */
export const REOFFER_WINDOW_MS = 120_000;

/** BackfillSink: where re-offered samples go (the Uplink). */
export interface BackfillSink {
  backfill(labels: readonly Labels[], timestamps: Float64Array, values: Float64Array): Promise<void>;
}

/**
 * reofferRecent re-offers every sample in (newest − windowMs, newest] to `sink` and resolves with
 * the number of samples re-offered. `newest` is the storage's newest sample time (NaN or ±Infinity
 * when it is empty: nothing to do).
 */
export async function reofferRecent(storage: Queryable, newest: number, sink: BackfillSink, windowMs = REOFFER_WINDOW_MS, sliceSeries = 2000): Promise<number> {
  if (!Number.isFinite(newest)) return 0;
  const mint = newest - windowMs + 1;
  const q = storage.querier(mint, newest);
  let total = 0;
  try {
    const set = q.select([new Matcher('=~', '__name__', '.+')]);
    for (let from = 0; from < set.series.length; from += sliceSeries) {
      const to = Math.min(set.series.length, from + sliceSeries);
      const batch = set.load(mint, newest, from, to);
      let labels: Labels[], timestamps: Float64Array, values: Float64Array;
      try {
        const off = batch.offsets();
        // Copies: the batch's views go away with it. Float64Array.set keeps NaN bits (staleness).
        timestamps = batch.timestamps().slice();
        values = batch.values().slice();
        labels = new Array<Labels>(timestamps.length);
        for (let i = 0; i < to - from; i++) labels.fill(set.series[from + i].labels, off[i], off[i + 1]);
      } finally {
        batch.release();
      }
      if (timestamps.length) await sink.backfill(labels, timestamps, values);
      total += timestamps.length;
    }
  } finally {
    q.close();
  }
  return total;
}
