// The instant-vector selector as a kernel: for every series of a batch and every step of a grid,
// the newest sample in (t - lookback, t], absent when there is none or it is a staleness marker.
// One call covers the whole batch; the step grid is sorted, so each series is walked once.
import { STALE_BITS } from './columns';

/**
 * instantKernel writes a row-major matrix of series × steps cells at `out`:
 *
 * ```
 *  out                      + cells·8                    + cells·16
 *  ├ values f64[cells] ─────┼ timestamps f64[cells] ─────┼ present u8[cells] ┤
 * ```
 * Series i at step j is cell i·steps + j. An absent cell has present 0 and NaN value and time.
 * offsets: i32[series + 1] into the ts/vs columns (f64 ms, f64 values).
 */
export function instantKernel(offsets: usize, ts: usize, vs: usize, series: u32, start: f64, step: f64, steps: u32, lookback: f64, out: usize): void {
  const cells = <usize>series * <usize>steps;
  const outT = out + (cells << 3);
  const outP = out + (cells << 4);
  for (let s: u32 = 0; s < series; s++) {
    const a = <u32>load<i32>(offsets + (<usize>s << 2));
    const b = <u32>load<i32>(offsets + ((<usize>s + 1) << 2));
    let hi = a;
    const row = <usize>s * <usize>steps;
    for (let j: u32 = 0; j < steps; j++) {
      const t = start + <f64>j * step;
      while (hi < b && load<f64>(ts + (<usize>hi << 3)) <= t) hi++;
      const cell = row + <usize>j;
      let found = false;
      if (hi > a) {
        const k = <usize>(hi - 1) << 3;
        const st = load<f64>(ts + k);
        const bits = load<u64>(vs + k);
        if (st > t - lookback && bits != STALE_BITS) {
          store<u64>(out + (cell << 3), bits);
          store<f64>(outT + (cell << 3), st);
          store<u8>(outP + cell, 1);
          found = true;
        }
      }
      if (!found) {
        store<f64>(out + (cell << 3), NaN);
        store<f64>(outT + (cell << 3), NaN);
        store<u8>(outP + cell, 0);
      }
    }
  }
}
