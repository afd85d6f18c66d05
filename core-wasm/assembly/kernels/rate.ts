// Window functions over counters and gauges that look at sample order: rate, increase and delta
// (Prometheus' extrapolatedRate), irate and idelta (its instantValue), resets and changes. Each
// takes the window [lo, hi) of the current series (kernels/columns.ts), at least one sample
// (two for the extrapolating and instant ones; the driver checks), and returns the value. The
// counter functions (rate, increase, resets) need countDrops run on the series first.
import { dropsAt, tAt, vAt } from './columns';

/**
 * extrapolatedRate: the increase over (t - range, t], extrapolated towards the window's edges by
 * at most half an average sample interval beyond 1.1 of one; for counters (isCounter) corrected
 * for resets and never extrapolated below zero; per second when isRate. Needs hi - lo ≥ 2.
 */
@inline export function extrapolatedRate(lo: u32, hi: u32, t: f64, range: f64, isCounter: bool, isRate: bool): f64 {
  const firstT = tAt(lo);
  const lastT = tAt(hi - 1);
  const first = vAt(lo);
  let result = vAt(hi - 1) - first;
  if (isCounter && dropsAt(hi - 1) != dropsAt(lo)) {
    // Resets in the window: add back each value before a drop, in order, as Prometheus does.
    let prev = first;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vAt(i);
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  const rangeStart = t - range;
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (t - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageInterval = sampledInterval / <f64>(hi - lo - 1);
  const threshold = averageInterval * 1.1;
  if (durationToStart >= threshold) durationToStart = averageInterval / 2;
  if (isCounter) {
    // A counter does not go below zero: stop extrapolating where it would reach it.
    let durationToZero = durationToStart;
    if (result > 0 && first >= 0) durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;
  let factor: f64 = 1;
  if (sampledInterval != 0) factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= range / 1000;
  return result * factor;
}

/**
 * instantDelta: from the window's last two samples, their difference (isRate: per second, and a
 * drop counts as a reset to zero, giving the last value). Needs hi - lo ≥ 2 and distinct times.
 */
export function instantDelta(lo: u32, hi: u32, isRate: bool): f64 {
  const prev = vAt(hi - 2);
  const last = vAt(hi - 1);
  let result = last;
  if (!isRate || !(last < prev)) result = last - prev;
  if (isRate) result /= (tAt(hi - 1) - tAt(hi - 2)) / 1000;
  return result;
}

/** resets: how many times a value is below its predecessor in the window. */
export function resets(lo: u32, hi: u32): f64 {
  return <f64>(dropsAt(hi - 1) - dropsAt(lo));
}

/** changes: how many times a value differs from its predecessor (NaN after NaN is no change). */
export function changes(lo: u32, hi: u32): f64 {
  let n: u32 = 0;
  let prev = vAt(lo);
  for (let i = lo + 1; i < hi; i++) {
    const cur = vAt(i);
    if (cur != prev && !(isNaN(cur) && isNaN(prev))) n++;
    prev = cur;
  }
  return <f64>n;
}
