// Window functions over counters and gauges that look at sample order: rate, increase and delta
// (Prometheus' extrapolatedRate, as increaseOf × extrapolationFactor), irate and idelta (its
// instantValue), resets and changes. Each takes the window [lo, hi) of the current series
// (kernels/columns.ts), at least one sample (two for the extrapolating and instant ones; the
// driver checks), and returns the value. The counter functions (rate, increase, resets) need
// the series selected with selectCounter (or countDrops run on it).
import { anyDrops, dropsAt, tAt, vAt } from './columns';

/**
 * increaseOf: the last value of the window [lo, hi) less the first; for a counter (isCounter)
 * plus each value before a drop, in order, as Prometheus adds them back (countDrops tells
 * whether there are any).
 */
@inline export function increaseOf(lo: u32, hi: u32, isCounter: bool): f64 {
  const first = vAt(lo);
  let result = vAt(hi - 1) - first;
  if (isCounter && anyDrops && dropsAt(hi - 1) != dropsAt(lo)) {
    let prev = first;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vAt(i);
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  return result;
}

/** extrapolatedStart: the duration to the window's start that extrapolationFactor last used, before any zero limit. */
export let extrapolatedStart: f64 = 0;

/**
 * extrapolationFactor: what Prometheus' extrapolatedRate multiplies a window's increase by, from
 * the window's times in ms (first sample after its start, toStart; last sample before its end,
 * toEnd; between them, sampled; `count` samples): the sampled interval extended towards each
 * edge by at most half an average sample interval beyond 1.1 of one, over the sampled interval,
 * per second of `range` (rangeSeconds) when isRate. zeroRatio ≥ 0 (a counter's first value over its increase)
 * also stops the extrapolation where the counter would reach zero; below 0, it does not apply.
 * Sets extrapolatedStart.
 */
@inline export function extrapolationFactor(toStart: f64, toEnd: f64, sampled: f64, count: u32, zeroRatio: f64, range: f64, isRate: bool): f64 {
  let durationToStart = toStart / 1000;
  let durationToEnd = toEnd / 1000;
  const sampledInterval = sampled / 1000;
  const averageInterval = sampledInterval / <f64>(count - 1);
  const threshold = averageInterval * 1.1;
  if (durationToStart >= threshold) durationToStart = averageInterval / 2;
  extrapolatedStart = durationToStart;
  if (zeroRatio >= 0) {
    // A counter does not go below zero: stop extrapolating where it would reach it.
    const durationToZero = sampledInterval * zeroRatio;
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;
  let factor: f64 = 1;
  if (sampledInterval != 0) factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeSeconds(range);
  return factor;
}

/**
 * rangeSeconds: a range of ms in seconds as Prometheus divides a rate by it (Go's
 * Duration.Seconds: the whole seconds plus the rest's nanoseconds / 1e9), which is not always the
 * float range / 1000 is (1118 ms: 1.1179999999999999, not 1.118).
 */
@inline function rangeSeconds(range: f64): f64 {
  const r = <i64>range;
  return <f64>(r / 1000) + <f64>((r % 1000) * 1000000) / 1e9;
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
  return anyDrops ? <f64>(dropsAt(hi - 1) - dropsAt(lo)) : 0;
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
