/**
 * A plain TypeScript reference for the PromQL kernels: each function written the way
 * Prometheus 3's promql/functions.go computes it, per series and per step, from an explicit list
 * of the window's samples. Readable rather than fast; the kernel tests compare against it and the
 * kernel benchmark times it. Values stay in Float64Array where their bits matter (staleness).
 */
import { isStaleNaN } from '../../shared/model/stale.ts';
import type { RangeFunction, StepGrid, StepMatrix } from '../../shared/storage/interface.ts';

/** RefSeries: one series' samples in time order. */
export interface RefSeries {
  ts: Float64Array;
  vs: Float64Array;
}

interface Point {
  t: number;
  v: number;
}

/** refInstant: the newest sample in (t - lookback, t], absent when none or a staleness marker. */
export function refInstant(series: RefSeries[], grid: StepGrid, lookback: number): StepMatrix {
  const cells = series.length * grid.steps;
  const m = { series: series.length, steps: grid.steps, values: new Float64Array(cells).fill(NaN), present: new Uint8Array(cells), timestamps: new Float64Array(cells).fill(NaN) };
  series.forEach((s, i) => {
    for (let j = 0; j < grid.steps; j++) {
      const t = grid.start + j * grid.step;
      const k = firstAfter(s.ts, t) - 1;
      if (k < 0 || s.ts[k] <= t - lookback || isStaleNaN(s.vs[k])) continue;
      m.values[i * grid.steps + j] = s.vs[k];
      m.timestamps[i * grid.steps + j] = s.ts[k];
      m.present[i * grid.steps + j] = 1;
    }
  });
  return m;
}

/** refRange: fn over (t - range, t] without staleness markers; params as BatchKernels.range takes them. */
export function refRange(fn: RangeFunction, series: RefSeries[], grid: StepGrid, range: number, params: Float64Array[] = []): StepMatrix {
  const cells = series.length * grid.steps;
  const m = { series: series.length, steps: grid.steps, values: new Float64Array(cells).fill(NaN), present: new Uint8Array(cells) };
  series.forEach((s, i) => {
    for (let j = 0; j < grid.steps; j++) {
      const t = grid.start + j * grid.step;
      const w: Point[] = [];
      for (let x = firstAfter(s.ts, t - range); x < s.ts.length && s.ts[x] <= t; x++) {
        if (!isStaleNaN(s.vs[x])) w.push({ t: s.ts[x], v: s.vs[x] });
      }
      if (w.length === 0) continue;
      const v = evalWindow(fn, w, t, range, params.map((p) => p[j]));
      if (v === undefined) continue;
      m.values[i * grid.steps + j] = v;
      m.present[i * grid.steps + j] = 1;
    }
  });
  return m;
}

/** firstAfter: the index of the first timestamp > t (binary search). */
function firstAfter(ts: Float64Array, t: number): number {
  let lo = 0, hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** RefParamError: the reference refuses an invalid double_exponential_smoothing factor. */
export class RefParamError extends Error {}

function evalWindow(fn: RangeFunction, w: Point[], t: number, range: number, p: number[]): number | undefined {
  switch (fn) {
    case 'rate': return extrapolatedRate(w, t, range, true, true);
    case 'increase': return extrapolatedRate(w, t, range, true, false);
    case 'delta': return extrapolatedRate(w, t, range, false, false);
    case 'irate': return instantValue(w, true);
    case 'idelta': return instantValue(w, false);
    case 'resets': {
      let n = 0;
      for (let i = 1; i < w.length; i++) if (w[i].v < w[i - 1].v) n++;
      return n;
    }
    case 'changes': {
      let n = 0;
      for (let i = 1; i < w.length; i++) if (w[i].v !== w[i - 1].v && !(Number.isNaN(w[i].v) && Number.isNaN(w[i - 1].v))) n++;
      return n;
    }
    case 'deriv': return w.length < 2 ? undefined : linearRegression(w, w[0].t)[0];
    case 'predict_linear': {
      if (w.length < 2) return undefined;
      const [slope, intercept] = linearRegression(w, t);
      return slope * p[0] + intercept;
    }
    case 'avg_over_time': return avg(w);
    case 'sum_over_time': {
      let sum = 0, c = 0;
      for (const x of w) [sum, c] = kahanInc(x.v, sum, c);
      return Number.isFinite(sum) || Number.isNaN(sum) ? sum + c : sum;
    }
    case 'min_over_time': return compare(w, (cur, m) => cur < m || Number.isNaN(m)).v;
    case 'max_over_time': return compare(w, (cur, m) => cur > m || Number.isNaN(m)).v;
    case 'ts_of_min_over_time': return compare(w, (cur, m) => cur <= m || Number.isNaN(m)).t / 1000;
    case 'ts_of_max_over_time': return compare(w, (cur, m) => cur >= m || Number.isNaN(m)).t / 1000;
    case 'count_over_time': return w.length;
    case 'quantile_over_time': return quantile(p[0], w.map((x) => x.v));
    case 'stddev_over_time': return Math.sqrt(variance(w));
    case 'stdvar_over_time': return variance(w);
    case 'last_over_time': return w[w.length - 1].v;
    case 'first_over_time': return w[0].v;
    case 'present_over_time': return 1;
    case 'ts_of_last_over_time': return w[w.length - 1].t / 1000;
    case 'ts_of_first_over_time': return w[0].t / 1000;
    case 'mad_over_time': {
      if (w.some((x) => Number.isNaN(x.v))) return NaN;
      const median = quantile(0.5, w.map((x) => x.v));
      return quantile(0.5, w.map((x) => Math.abs(x.v - median)));
    }
    case 'double_exponential_smoothing': {
      const [sf, tf] = p;
      if (sf <= 0 || sf >= 1) throw new RefParamError(`sf ${sf}`);
      if (tf <= 0 || tf >= 1) throw new RefParamError(`tf ${tf}`);
      if (w.length < 2) return undefined;
      let s0 = 0, s1 = w[0].v, b = w[1].v - w[0].v;
      for (let i = 1; i < w.length; i++) {
        const x = sf * w[i].v;
        if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
        const y = (1 - sf) * (s1 + b);
        [s0, s1] = [s1, x + y];
      }
      return s1;
    }
  }
}

function extrapolatedRate(w: Point[], t: number, range: number, isCounter: boolean, isRate: boolean): number | undefined {
  if (w.length < 2) return undefined;
  const first = w[0], last = w[w.length - 1];
  let result = last.v - first.v;
  if (isCounter) for (let i = 1; i < w.length; i++) if (w[i].v < w[i - 1].v) result += w[i - 1].v;
  const rangeStart = t - range;
  let durationToStart = (first.t - rangeStart) / 1000;
  let durationToEnd = (t - last.t) / 1000;
  const sampledInterval = (last.t - first.t) / 1000;
  const avgInterval = sampledInterval / (w.length - 1);
  const threshold = avgInterval * 1.1;
  if (durationToStart >= threshold) durationToStart = avgInterval / 2;
  if (isCounter) {
    let durationToZero = durationToStart;
    if (result > 0 && first.v >= 0) durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = avgInterval / 2;
  let factor = 1;
  if (sampledInterval !== 0) factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  // Prometheus divides by ms.Range.Seconds(): whole seconds plus the rest's nanoseconds / 1e9.
  if (isRate) factor /= (range - (range % 1000)) / 1000 + ((range % 1000) * 1e6) / 1e9;
  return result * factor;
}

function instantValue(w: Point[], isRate: boolean): number | undefined {
  if (w.length < 2) return undefined;
  const [a, b] = w.slice(-2);
  const interval = b.t - a.t;
  if (interval === 0) return undefined;
  let r = b.v;
  if (!isRate || !(b.v < a.v)) r = b.v - a.v;
  return isRate ? r / (interval / 1000) : r;
}

/** kahanInc: Prometheus' kahansum.Inc (Neumaier), returning [sum, compensation]. */
export function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (t > Number.MAX_VALUE || t < -Number.MAX_VALUE) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

function avg(w: Point[]): number {
  let sum = w[0].v, count = 1, mean = 0, c = 0, incremental = false;
  for (let i = 1; i < w.length; i++) {
    const v = w[i].v;
    count = i + 1;
    if (!incremental) {
      const [ns, nc] = kahanInc(v, sum, c);
      if (Math.abs(ns) !== Infinity) {
        [sum, c] = [ns, nc];
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanInc(v / count, q * mean, q * c);
  }
  return incremental ? mean + c : sum / count + c / count;
}

function compare(w: Point[], better: (cur: number, best: number) => boolean): Point {
  let best = w[0];
  for (const x of w) if (better(x.v, best.v)) best = x;
  return best;
}

function variance(w: Point[]): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (const { v } of w) {
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanInc(delta / count, mean, cMean);
    [aux, cAux] = kahanInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function linearRegression(w: Point[], interceptTime: number): [number, number] {
  let n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const initY = w[0].v;
  let constY = true;
  w.forEach(({ t, v }, i) => {
    if (constY && i > 0 && v !== initY) constY = false;
    n += 1;
    const x = (t - interceptTime) / 1e3;
    [sumX, cX] = kahanInc(x, sumX, cX);
    [sumY, cY] = kahanInc(v, sumY, cY);
    [sumXY, cXY] = kahanInc(x * v, sumXY, cXY);
    [sumX2, cX2] = kahanInc(x * x, sumX2, cX2);
  });
  if (constY) return Math.abs(initY) === Infinity ? [NaN, NaN] : [0, initY];
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const slope = (sumXY - (sumX * sumY) / n) / (sumX2 - (sumX * sumX) / n);
  return [slope, sumY / n - (slope * sumX) / n];
}

/** quantile: Prometheus' quantile (NaN-first sort, weighted mean of the two nearest ranks). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...values].sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}
