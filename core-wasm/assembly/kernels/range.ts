// The range-function driver: one call evaluates one PromQL function over (t - range, t] for
// every series of a batch and every step of a grid. Per series it drops staleness markers
// (kernels/columns.ts), then slides the window bounds forward with the steps (the grid is
// sorted, so each bound only advances: O(samples + steps) to find every window) and evaluates
// the function on each window. Invalid per-step parameters are reported, not thrown.
import { setError } from '../errors';
import { counterInterval, curTs, ensureKernelScratch, maxSeriesLength, selectCounter, selectSeries, tAt, vAt } from './columns';
import {
  FN_RATE, FN_INCREASE, FN_DELTA, FN_IRATE, FN_IDELTA, FN_RESETS, FN_CHANGES, FN_DERIV, FN_PREDICT_LINEAR,
  FN_AVG, FN_MIN, FN_MAX, FN_SUM, FN_COUNT, FN_QUANTILE, FN_STDDEV, FN_STDVAR, FN_LAST, FN_FIRST,
  FN_PRESENT, FN_MAD, FN_TS_OF_MIN, FN_TS_OF_MAX, FN_TS_OF_LAST, FN_TS_OF_FIRST,
  FN_DOUBLE_EXPONENTIAL_SMOOTHING, FN_COUNT_OF_FUNCTIONS, minSamples,
} from './functions';
import { extrapolatedStart, extrapolationFactor, increaseOf, instantDelta, resets, changes } from './rate';
import { sumOverTime, avgOverTime, variance, quantileOverTime, madOverTime, tsSeconds } from './aggregate';
import { linearRegression, regressionIntercept, doubleExponentialSmoothing } from './trend';
import { slidingExtremes } from './extremes';

/** A double_exponential_smoothing smoothing factor outside (0, 1); index: the step. */
@inline export const ERR_BAD_SMOOTHING_FACTOR: i32 = 20;
/** A double_exponential_smoothing trend factor outside (0, 1); index: the step. */
@inline export const ERR_BAD_TREND_FACTOR: i32 = 21;
/** A function id rangeKernel does not know; index: the id. */
@inline export const ERR_BAD_FUNCTION: i32 = 22;

/**
 * rangeKernel evaluates function `fn` (kernels/functions.ts) and writes a row-major matrix of
 * series × steps cells at `out`:
 *
 * ```
 *  out                      + cells·8
 *  ├ values f64[cells] ─────┼ present u8[cells] ┤
 * ```
 * `params` holds the function's parameter columns back to back, f64[steps] each. Returns 0, or
 * -1 after setError (an unknown function, or an invalid smoothing or trend factor at a step
 * whose window has samples; the output is then incomplete).
 */
export function rangeKernel(fn: i32, offsets: usize, ts: usize, vs: usize, series: u32, start: f64, step: f64, steps: u32, range: f64, params: usize, out: usize): i32 {
  if (fn < 0 || fn >= FN_COUNT_OF_FUNCTIONS) {
    setError(ERR_BAD_FUNCTION, <u32>fn);
    return -1;
  }
  ensureKernelScratch(maxSeriesLength(offsets, series));
  const cells = <usize>series * <usize>steps;
  const outP = out + (cells << 3);
  const need = minSamples(fn);
  const p1 = params + (<usize>steps << 3);
  const counter = fn == FN_RATE || fn == FN_INCREASE || fn == FN_RESETS;
  for (let s: u32 = 0; s < series; s++) {
    const a = load<i32>(offsets + (<usize>s << 2));
    const b = load<i32>(offsets + ((<usize>s + 1) << 2));
    const sTs = ts + (<usize>a << 3), sVs = vs + (<usize>a << 3), len = <u32>(b - a);
    const n = counter ? selectCounter(sTs, sVs, len) : selectSeries(sTs, sVs, len);
    const row = <usize>s * <usize>steps;
    // Fast path: rate, increase and delta in loops of their own, without the per-step dispatch.
    if (fn == FN_RATE) {
      extrapolatedRow(true, true, n, start, step, steps, range, out + (row << 3), outP + row);
      continue;
    }
    if (fn == FN_INCREASE) {
      extrapolatedRow(true, false, n, start, step, steps, range, out + (row << 3), outP + row);
      continue;
    }
    if (fn == FN_DELTA) {
      extrapolatedRow(false, false, n, start, step, steps, range, out + (row << 3), outP + row);
      continue;
    }
    if (fn == FN_MIN || fn == FN_MAX || fn == FN_TS_OF_MIN || fn == FN_TS_OF_MAX) {
      // Fast path: a monotonic deque finds every window's extreme in O(samples + steps).
      slidingExtremes(fn, n, start, step, steps, range, out + (row << 3), outP + row);
      continue;
    }
    let lo: u32 = 0;
    let hi: u32 = 0;
    for (let j: u32 = 0; j < steps; j++) {
      const t = start + <f64>j * step;
      const left = t - range;
      while (hi < n && tAt(hi) <= t) hi++;
      while (lo < hi && tAt(lo) <= left) lo++;
      const cell = row + <usize>j;
      if (fn == FN_DOUBLE_EXPONENTIAL_SMOOTHING && hi > lo) {
        // Checked wherever a window has samples, as Prometheus evaluates the function there.
        const sf = load<f64>(params + (<usize>j << 3));
        const tf = load<f64>(p1 + (<usize>j << 3));
        if (sf <= 0 || sf >= 1) {
          setError(ERR_BAD_SMOOTHING_FACTOR, j);
          return -1;
        }
        if (tf <= 0 || tf >= 1) {
          setError(ERR_BAD_TREND_FACTOR, j);
          return -1;
        }
      }
      if (hi - lo < need) {
        store<f64>(out + (cell << 3), NaN);
        store<u8>(outP + cell, 0);
        continue;
      }
      let v: f64 = 0;
      switch (fn) {
        case FN_IRATE: v = instantDelta(lo, hi, true); break;
        case FN_IDELTA: v = instantDelta(lo, hi, false); break;
        case FN_RESETS: v = resets(lo, hi); break;
        case FN_CHANGES: v = changes(lo, hi); break;
        case FN_DERIV: v = linearRegression(lo, hi, tAt(lo)); break;
        case FN_PREDICT_LINEAR: {
          const slope = linearRegression(lo, hi, t);
          v = slope * load<f64>(params + (<usize>j << 3)) + regressionIntercept;
          break;
        }
        case FN_AVG: v = avgOverTime(lo, hi); break;
        case FN_SUM: v = sumOverTime(lo, hi); break;
        case FN_COUNT: v = <f64>(hi - lo); break;
        case FN_QUANTILE: v = quantileOverTime(lo, hi, load<f64>(params + (<usize>j << 3))); break;
        case FN_STDDEV: v = Math.sqrt(variance(lo, hi)); break;
        case FN_STDVAR: v = variance(lo, hi); break;
        case FN_LAST: v = vAt(hi - 1); break;
        case FN_FIRST: v = vAt(lo); break;
        case FN_PRESENT: v = 1; break;
        case FN_MAD: v = madOverTime(lo, hi); break;
        case FN_TS_OF_LAST: v = tsSeconds(hi - 1); break;
        case FN_TS_OF_FIRST: v = tsSeconds(lo); break;
        case FN_DOUBLE_EXPONENTIAL_SMOOTHING:
          v = doubleExponentialSmoothing(lo, hi, load<f64>(params + (<usize>j << 3)), load<f64>(p1 + (<usize>j << 3)));
          break;
        default:
          throw new Error('BUG: rangeKernel has no case for a function id');
      }
      store<f64>(out + (cell << 3), v);
      store<u8>(outP + cell, 1);
    }
  }
  return 0;
}

/**
 * extrapolatedRow writes extrapolatedRate over every step's window of the current series (n
 * samples) to steps values at outV and flags at outP. Inlined with constant isCounter and isRate,
 * so each of rate, increase and delta gets a loop without branches on the function.
 *
 * The extrapolation factor depends only on the window's times (its first and last sample against
 * the window's edges, and how many samples it holds), all exact integers of milliseconds. Scrapes
 * at a steady interval give every window the same ones, so the factor (seven divisions) is kept
 * with the times it came from and taken again while they repeat: the same operations on the same
 * operands, so the same bits. Only a counter that extrapolation would take below zero needs the
 * window's values, and that is ruled out without dividing when its first value is at least the
 * increase (extrapolatedRate's durationToZero is then at least the sampled interval).
 */
@inline function extrapolatedRow(isCounter: bool, isRate: bool, n: u32, start: f64, step: f64, steps: u32, range: f64, outV: usize, outP: usize): void {
  const ts = curTs;
  const shift = Math.floor(start) == start && Math.floor(range) == range ? regularShift(ts, n, step, isCounter) : 0;
  let lo: u32 = 0;
  let hi: u32 = 0;
  // The times of the window the kept factor came from (NaN: none yet), and what it needs.
  let keptToStart: f64 = NaN;
  let keptToEnd: f64 = NaN;
  let keptSampled: f64 = NaN;
  let keptCount: u32 = 0;
  let keptFactor: f64 = 0;
  let keptStartSec: f64 = 0;
  let keptSampledSec: f64 = 0;
  for (let j: u32 = 0; j < steps; j++) {
    const t = start + <f64>j * step;
    const left = t - range;
    while (hi < n && load<f64>(ts + (<usize>hi << 3)) <= t) hi++;
    while (lo < hi && load<f64>(ts + (<usize>lo << 3)) <= left) lo++;
    let v: f64 = NaN;
    let p: u8 = 0;
    if (hi - lo >= 2) {
      const firstT = tAt(lo);
      const lastT = tAt(hi - 1);
      const toStart = firstT - left;
      const toEnd = t - lastT;
      const sampled = lastT - firstT;
      const count = hi - lo;
      if (toStart != keptToStart || toEnd != keptToEnd || sampled != keptSampled || count != keptCount) {
        keptToStart = toStart;
        keptToEnd = toEnd;
        keptSampled = sampled;
        keptCount = count;
        keptFactor = extrapolationFactor(toStart, toEnd, sampled, count, -1, range, isRate);
        keptStartSec = extrapolatedStart;
        keptSampledSec = sampled / 1000;
      }
      const first = vAt(lo);
      const result = increaseOf(lo, hi, isCounter);
      let factor = keptFactor;
      if (isCounter && result > 0 && first >= 0 && !(first >= result && keptStartSec <= keptSampledSec)) {
        // Extrapolation might reach zero before the window's start: the full computation.
        factor = extrapolationFactor(toStart, toEnd, sampled, count, first / result, range, isRate);
      }
      v = result * factor;
      p = 1;
    }
    store<f64>(outV + (<usize>j << 3), v);
    store<u8>(outP + <usize>j, p);
    if (p == 0 || shift == 0 || lo == 0) continue;
    // A series at a steady interval, whose window has a sample before it and another after: the
    // next windows hold the samples `shift` further on, at the same times relative to their
    // edges, so they take the kept factor without finding their bounds or comparing times, until
    // a window would run past the last sample.
    if (j + 1 >= steps || hi + shift > n) continue;
    // A counter that selectCounter read in place rises and holds no NaN, so no later window's
    // first value is below the next window's, nor its increase above the series' last value less
    // that: when the next window's first value covers that, extrapolation never reaches zero in
    // these windows (a counter's first value at least its increase, as above; the other half of
    // that test always holds here, the window's first sample being at most one interval after
    // its start and at least one before its last).
    const nextFirst = vAt(lo + shift);
    if (!isCounter || (counterInterval > 0 && nextFirst >= vAt(n - 1) - nextFirst)) {
      while (j + 1 < steps && hi + shift <= n) {
        j++;
        lo += shift;
        hi += shift;
        store<f64>(outV + (<usize>j << 3), (vAt(hi - 1) - vAt(lo)) * keptFactor);
        store<u8>(outP + <usize>j, 1);
      }
      continue;
    }
    while (j + 1 < steps && hi + shift <= n) {
      j++;
      lo += shift;
      hi += shift;
      const first = vAt(lo);
      const result = increaseOf(lo, hi, isCounter);
      let factor = keptFactor;
      if (result > 0 && first >= 0 && !(first >= result && keptStartSec <= keptSampledSec)) {
        factor = extrapolationFactor(keptToStart, keptToEnd, keptSampled, keptCount, first / result, range, isRate);
      }
      store<f64>(outV + (<usize>j << 3), result * factor);
      store<u8>(outP + <usize>j, 1);
    }
  }
}

/**
 * regularShift: for n samples at times ts that lie exactly `d` apart (d > 0) with `step` a
 * multiple of d, the samples one step moves a window by (step / d); else 0. For a series that
 * selectCounter read in place (`selectedCounter`), its counterInterval says whether they do. With the
 * grid's start and the range in whole milliseconds (the caller checks them; sample times are
 * whole milliseconds), every window edge and sample time is an exact integer in f64, so moving a
 * window by a step moves its bounds by exactly that many samples and leaves its first and last
 * sample at the same distances from its edges.
 */
function regularShift(ts: usize, n: u32, step: f64, selectedCounter: bool): u32 {
  if (n < 2 || step <= 0) return 0;
  const checked = selectedCounter && counterInterval >= 0; // selectCounter saw every interval
  const d = checked ? counterInterval : load<f64>(ts, 8) - load<f64>(ts);
  if (!(d > 0) || step % d != 0 || step / d > <f64>n) return 0;
  if (checked) return <u32>(step / d);
  let prev = load<f64>(ts);
  let i: u32 = 1;
  for (; i + 4 <= n; i += 4) {
    const p = ts + (<usize>i << 3);
    const a = load<f64>(p), b = load<f64>(p, 8), c = load<f64>(p, 16), e = load<f64>(p, 24);
    if (((a - prev != d) | (b - a != d) | (c - b != d) | (e - c != d)) != 0) return 0;
    prev = e;
  }
  for (; i < n; i++) {
    const a = load<f64>(ts + (<usize>i << 3));
    if (a - prev != d) return 0;
    prev = a;
  }
  return <u32>(step / d);
}
