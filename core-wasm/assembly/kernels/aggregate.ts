// Window functions that aggregate values regardless of order, as Prometheus computes them:
// sum_over_time and avg_over_time with Kahan–Neumaier compensation (avg switching to an
// incremental mean when the running sum would overflow), stddev/stdvar_over_time, quantile_over_time and mad_over_time. Each takes
// the window [lo, hi) of the current series (kernels/columns.ts), at least one sample.
import { tAt, vAt, kahanInc, kahanC, sortScratch, sortValues, quantileSorted } from './columns';

/** sumOverTime: the compensated sum; an infinite sum is returned without its compensation. */
export function sumOverTime(lo: u32, hi: u32): f64 {
  let sum: f64 = 0;
  let c: f64 = 0;
  for (let i = lo; i < hi; i++) {
    sum = kahanInc(vAt(i), sum, c);
    c = kahanC;
  }
  if (sum > f64.MAX_VALUE || sum < -f64.MAX_VALUE) return sum;
  return sum + c;
}

/** avgOverTime: the compensated sum over the count, or an incremental mean once the sum overflows. */
export function avgOverTime(lo: u32, hi: u32): f64 {
  let sum = vAt(lo);
  let count: f64 = 1;
  let mean: f64 = 0;
  let c: f64 = 0;
  let incremental = false;
  for (let i = lo + 1; i < hi; i++) {
    const v = vAt(i);
    count = <f64>(i - lo + 1);
    if (!incremental) {
      const newSum = kahanInc(v, sum, c);
      if (!(newSum > f64.MAX_VALUE || newSum < -f64.MAX_VALUE)) {
        sum = newSum;
        c = kahanC;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    mean = kahanInc(v / count, q * mean, q * c);
    c = kahanC;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

/** variance: the population variance by Welford's method with compensated mean and sum of squares. */
export function variance(lo: u32, hi: u32): f64 {
  let count: f64 = 0;
  let mean: f64 = 0;
  let cMean: f64 = 0;
  let aux: f64 = 0;
  let cAux: f64 = 0;
  for (let i = lo; i < hi; i++) {
    const v = vAt(i);
    count++;
    const delta = v - (mean + cMean);
    mean = kahanInc(delta / count, mean, cMean);
    cMean = kahanC;
    aux = kahanInc(delta * (v - (mean + cMean)), aux, cAux);
    cAux = kahanC;
  }
  return (aux + cAux) / count;
}

/** quantileOverTime: Prometheus' quantile q of the window's values (see quantileSorted). */
export function quantileOverTime(lo: u32, hi: u32, q: f64): f64 {
  const n = hi - lo;
  const buf = sortScratch();
  for (let i: u32 = 0; i < n; i++) store<f64>(buf + (<usize>i << 3), vAt(lo + i));
  sortValues(buf, n);
  return quantileSorted(q, buf, n);
}

/** madOverTime: the median absolute deviation from the median; NaN when any value is NaN. */
export function madOverTime(lo: u32, hi: u32): f64 {
  const n = hi - lo;
  const buf = sortScratch();
  for (let i: u32 = 0; i < n; i++) {
    const v = vAt(lo + i);
    if (isNaN(v)) return NaN;
    store<f64>(buf + (<usize>i << 3), v);
  }
  sortValues(buf, n);
  const median = quantileSorted(0.5, buf, n);
  for (let i: u32 = 0; i < n; i++) {
    const p = buf + (<usize>i << 3);
    store<f64>(p, Math.abs(load<f64>(p) - median));
  }
  sortValues(buf, n);
  return quantileSorted(0.5, buf, n);
}

/** tsSeconds: a sample's timestamp in seconds. */
@inline export function tsSeconds(i: u32): f64 {
  return tAt(i) / 1000;
}
