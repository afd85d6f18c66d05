// Sorting and de-duplication of sample columns: when a series' samples come from sources that
// overlap in time (out-of-order chunks, chunks of several blocks), they are decoded one after
// another and then put in time order here, keeping the first sample of each timestamp.
import { ensureSortScratch, sortTs, sortVs } from './scratch';

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
