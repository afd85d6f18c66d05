// Sorting and de-duplication of sample columns: when a series' samples come from sources that
// overlap in time (out-of-order chunks, chunks of several blocks), they are decoded one after
// another and then put in time order here, keeping the first sample of each timestamp. Also the
// merge of several batches into one (a querier over blocks and the head).
import { ensureSortScratch, sortTs, sortVs } from './scratch';
import { allocBatch, Batch } from './batch';
import { setError, ERR_BAD_SERIES_START, ERR_BAD_PART } from './errors';

/**
 * sortDedupe orders the n samples at ts/vs (f64 timestamps, 8-byte values) by time with a stable
 * merge sort, drops every sample whose timestamp equals the one before, and returns the count left.
 */
export function sortDedupe(ts: usize, vs: usize, n: u32): u32 {
  if (n < 2) return n;
  let sorted = true;
  for (let i: u32 = 1; i < n; i++) {
    if (load<f64>(ts + (<usize>i << 3)) <= load<f64>(ts + (<usize>(i - 1) << 3))) {
      sorted = false;
      break;
    }
  }
  if (sorted) return n; // fast path: already strictly increasing
  ensureSortScratch(n);
  let srcTs = ts, srcVs = vs, dstTs = sortTs(), dstVs = sortVs();
  for (let width: u32 = 1; width < n; width <<= 1) {
    for (let lo: u32 = 0; lo < n; lo += width << 1) {
      const mid = min<u32>(lo + width, n);
      const hi = min<u32>(lo + (width << 1), n);
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        const ti = load<f64>(srcTs + (<usize>i << 3));
        const tj = load<f64>(srcTs + (<usize>j << 3));
        if (tj < ti) {
          store<f64>(dstTs + (<usize>k << 3), tj);
          store<u64>(dstVs + (<usize>k << 3), load<u64>(srcVs + (<usize>j << 3)));
          j++;
        } else {
          store<f64>(dstTs + (<usize>k << 3), ti);
          store<u64>(dstVs + (<usize>k << 3), load<u64>(srcVs + (<usize>i << 3)));
          i++;
        }
        k++;
      }
      if (i < mid) {
        memory.copy(dstTs + (<usize>k << 3), srcTs + (<usize>i << 3), <usize>(mid - i) << 3);
        memory.copy(dstVs + (<usize>k << 3), srcVs + (<usize>i << 3), <usize>(mid - i) << 3);
      } else if (j < hi) {
        memory.copy(dstTs + (<usize>k << 3), srcTs + (<usize>j << 3), <usize>(hi - j) << 3);
        memory.copy(dstVs + (<usize>k << 3), srcVs + (<usize>j << 3), <usize>(hi - j) << 3);
      }
    }
    const t1 = srcTs, v1 = srcVs;
    srcTs = dstTs;
    srcVs = dstVs;
    dstTs = t1;
    dstVs = v1;
  }
  // De-duplicate while copying back into place.
  let out: u32 = 0;
  let last: f64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const t = load<f64>(srcTs + (<usize>i << 3));
    if (i > 0 && t == last) continue;
    store<f64>(ts + (<usize>out << 3), t);
    store<u64>(vs + (<usize>out << 3), load<u64>(srcVs + (<usize>i << 3)));
    last = t;
    out++;
  }
  return out;
}

/**
 * mergeBatches builds a new batch of `seriesCount` series from series of other batches and
 * returns its address, or 0 after setError.
 *
 * `batches` holds `batchCount` batch addresses. A part is a pair of u32s (batch index, series
 * index in that batch); `parts` holds them all, and output series s is the union of parts
 * [partStarts[s], partStarts[s+1]) (partStarts holds seriesCount + 1 entries). Parts are in
 * priority order: when two hold the same timestamp, the earlier part's sample is kept. Parts
 * that follow each other in time (the usual case: blocks, then the head) are copied whole.
 */
export function mergeBatches(batches: usize, batchCount: u32, parts: usize, partStarts: usize, seriesCount: u32): usize {
  const partCount = load<u32>(partStarts + (<usize>seriesCount << 2));
  let room: u64 = 0;
  for (let s: u32 = 0; s < seriesCount; s++) {
    const first = load<u32>(partStarts + (<usize>s << 2));
    const next = load<u32>(partStarts + (<usize>(s + 1) << 2));
    if (first > next || next > partCount) {
      setError(ERR_BAD_SERIES_START, s);
      return 0;
    }
  }
  for (let p: u32 = 0; p < partCount; p++) {
    const bi = load<u32>(parts + (<usize>p << 3));
    const si = load<u32>(parts + (<usize>p << 3) + 4);
    const b = bi < batchCount ? changetype<Batch>(load<u32>(batches + (<usize>bi << 2))) : null;
    if (b == null || si >= b.seriesCount) {
      setError(ERR_BAD_PART, p);
      return 0;
    }
    room += <u64>(load<i32>(b.offsets + (<usize>(si + 1) << 2)) - load<i32>(b.offsets + (<usize>si << 2)));
  }
  const out = allocBatch(seriesCount, room);
  if (out == null) return 0;
  let pos: u32 = 0;
  for (let s: u32 = 0; s < seriesCount; s++) {
    store<i32>(out.offsets + (<usize>s << 2), <i32>pos);
    const first = load<u32>(partStarts + (<usize>s << 2));
    const next = load<u32>(partStarts + (<usize>(s + 1) << 2));
    const ts = out.ts + (<usize>pos << 3);
    const vs = out.vs + (<usize>pos << 3);
    let n: u32 = 0;
    let ordered = true;
    for (let p = first; p < next; p++) {
      const b = changetype<Batch>(load<u32>(batches + (<usize>load<u32>(parts + (<usize>p << 3)) << 2)));
      const si = load<u32>(parts + (<usize>p << 3) + 4);
      const lo = <u32>load<i32>(b.offsets + (<usize>si << 2));
      const len = <u32>load<i32>(b.offsets + (<usize>(si + 1) << 2)) - lo;
      if (len == 0) continue;
      memory.copy(ts + (<usize>n << 3), b.ts + (<usize>lo << 3), <usize>len << 3);
      memory.copy(vs + (<usize>n << 3), b.vs + (<usize>lo << 3), <usize>len << 3);
      if (n > 0 && load<f64>(ts + (<usize>n << 3)) <= load<f64>(ts + (<usize>(n - 1) << 3))) ordered = false;
      n += len;
    }
    if (!ordered) n = sortDedupe(ts, vs, n);
    pos += n;
  }
  store<i32>(out.offsets + (<usize>seriesCount << 2), <i32>pos);
  out.sampleCount = pos;
  return changetype<usize>(out);
}
