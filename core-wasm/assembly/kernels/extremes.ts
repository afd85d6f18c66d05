// min_over_time, max_over_time, ts_of_min_over_time and ts_of_max_over_time over all steps of one
// series in O(samples + steps), with a monotonic deque of sample indexes. Exactly Prometheus'
// choice of sample: NaNs lose to any number; among equal extremes min/max keep the first (so
// -0 and 0 keep whichever came first) and ts_of_* the last; a window of only NaNs gives NaN
// (ts_of_*: the time of its last sample).
import { dequeScratch, tAt, vAt } from './columns';
import { FN_MAX, FN_TS_OF_MAX, FN_TS_OF_MIN } from './functions';

/**
 * slidingExtremes evaluates fn over the current series' n samples (kernels/columns.ts) at every
 * step, writing steps values at outV and steps presence bytes at outP.
 */
export function slidingExtremes(fn: i32, n: u32, start: f64, step: f64, steps: u32, range: f64, outV: usize, outP: usize): void {
  const isMax = fn == FN_MAX || fn == FN_TS_OF_MAX;
  const wantTs = fn == FN_TS_OF_MAX || fn == FN_TS_OF_MIN;
  const dq = dequeScratch();
  // The deque holds, in order of time, the indexes of the window's numbers that can still be
  // its extreme; the front is the extreme. Every index enters at most once: no wrap-around.
  let head: u32 = 0;
  let tail: u32 = 0;
  let lo: u32 = 0;
  let hi: u32 = 0;
  for (let j: u32 = 0; j < steps; j++) {
    const t = start + <f64>j * step;
    const left = t - range;
    while (hi < n && tAt(hi) <= t) {
      const v = vAt(hi);
      if (!isNaN(v)) {
        while (tail > head) {
          const back = vAt(load<u32>(dq + (<usize>(tail - 1) << 2)));
          // Dominated: the newcomer is more extreme, or equal and ties go to the last.
          const dominated = isMax ? (wantTs ? back <= v : back < v) : (wantTs ? back >= v : back > v);
          if (!dominated) break;
          tail--;
        }
        store<u32>(dq + (<usize>tail << 2), hi);
        tail++;
      }
      hi++;
    }
    while (lo < hi && tAt(lo) <= left) {
      if (tail > head && load<u32>(dq + (<usize>head << 2)) == lo) head++;
      lo++;
    }
    const o = <usize>j;
    if (hi == lo) {
      store<f64>(outV + (o << 3), NaN);
      store<u8>(outP + o, 0);
      continue;
    }
    let v: f64;
    if (tail == head) {
      v = wantTs ? tAt(hi - 1) / 1000 : NaN;
    } else {
      const k = load<u32>(dq + (<usize>head << 2));
      v = wantTs ? tAt(k) / 1000 : vAt(k);
    }
    store<f64>(outV + (o << 3), v);
    store<u8>(outP + o, 1);
  }
}
