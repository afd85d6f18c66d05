/**
 * histogram_quantile and histogram_fraction over classic histograms: series that differ only in
 * their `le` label form one histogram per step. Buckets are sorted and merged, counts forced
 * monotonic (Prometheus 3 reports that as an info naming the buckets and the largest fix), and
 * values interpolated linearly inside the bucket. Bad `le` values are reported as warnings.
 */
import type { Call } from '../../ast.ts';
import type { Labels } from '../../../model/labels.ts';
import { goFloat } from '../annotations.ts';
import type { Evaluator } from '../evaluator.ts';
import { RowsBuilder, type EvalValue, type Grid, type Rows } from '../rows.ts';
import { vectorOf } from './helpers.ts';

type Impl = (ev: Evaluator, call: Call, g: Grid) => Promise<EvalValue>;

interface Bucket {
  upper: number;
  count: number;
}

/** parseLe reads an `le` value as Go's ParseFloat does; null when it is not a number. */
function parseLe(s: string): number | null {
  const t = s.trim() === s ? s : '';
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^[+-]?0[xX][0-9a-fA-F.]+([pP][+-]?\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
}

function sortAndMerge(buckets: Bucket[]): Bucket[] {
  buckets.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  const out: Bucket[] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else out.push({ ...b });
  }
  return out;
}

function almostEqual(a: number, b: number, eps: number): boolean {
  if (a === b) return true;
  const diff = Math.abs(a - b);
  const min = 2.2250738585072014e-308;
  if (a === 0 || b === 0 || Math.abs(a) + Math.abs(b) < min) return diff < eps * min;
  return diff / Math.min(Math.abs(a) + Math.abs(b), Number.MAX_VALUE) < eps;
}

interface Monotonicity {
  forced: boolean;
  minBucket: number;
  maxBucket: number;
  maxDiff: number;
}

function ensureMonotonic(buckets: Bucket[]): Monotonicity {
  const r: Monotonicity = { forced: false, minBucket: Infinity, maxBucket: -Infinity, maxDiff: 0 };
  let prev = buckets[0].count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i].count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, 1e-12)) {
      buckets[i].count = prev;
      continue;
    }
    if (curr < prev) {
      buckets[i].count = prev;
      r.forced = true;
      r.minBucket = Math.min(r.minBucket, buckets[i].upper);
      r.maxBucket = Math.max(r.maxBucket, buckets[i].upper);
      r.maxDiff = Math.max(r.maxDiff, prev - curr);
      continue;
    }
    prev = curr;
  }
  return r;
}

/** bucketQuantile: the q-quantile of classic buckets, and what monotonicity fixing did. */
export function bucketQuantile(q: number, input: Bucket[]): { value: number; mono: Monotonicity | null } {
  if (Number.isNaN(q)) return { value: NaN, mono: null };
  if (q < 0) return { value: -Infinity, mono: null };
  if (q > 1) return { value: Infinity, mono: null };
  const sorted = [...input].sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  if (sorted[sorted.length - 1].upper !== Infinity) return { value: NaN, mono: null };
  const buckets = sortAndMerge(sorted);
  const mono = ensureMonotonic(buckets);
  if (buckets.length < 2) return { value: NaN, mono };
  const observations = buckets[buckets.length - 1].count;
  if (observations === 0) return { value: NaN, mono };
  let rank = q * observations;
  let b = 0;
  while (b < buckets.length - 1 && !(buckets[b].count >= rank)) b++;
  if (b === buckets.length - 1) return { value: buckets[buckets.length - 2].upper, mono };
  if (b === 0 && buckets[0].upper <= 0) return { value: buckets[0].upper, mono };
  let start = 0;
  const end = buckets[b].upper;
  let count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return { value: start + (end - start) * (rank / count), mono };
}

/** bucketFraction: the estimated fraction of observations in [lower, upper]. */
export function bucketFraction(lower: number, upper: number, input: Bucket[]): number {
  const sorted = [...input].sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  if (sorted[sorted.length - 1].upper !== Infinity) return NaN;
  const buckets = sortAndMerge(sorted);
  const count = buckets[buckets.length - 1].count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let rank = 0, lowerRank = 0, upperRank = 0;
  let lowerSet = false, upperSet = false;
  let lowerBound = buckets[0].upper <= 0 ? -Infinity : 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    if (i > 0) lowerBound = buckets[i - 1].upper;
    const upperBound = b.upper;
    const interpolate = (v: number) => (lowerBound === -Infinity ? b.count : rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound));
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/**
 * perHistogram groups the series of `rows` into classic histograms and calls `f` with the
 * buckets of each histogram at each step; results are rows named by the histogram's labels.
 */
function perHistogram(ev: Evaluator, rows: Rows, argPos: Call['pos'], f: (buckets: Bucket[], j: number, metric: Labels) => number): Rows {
  const s = rows.steps;
  const groups = new Map<string, { metric: Labels; members: Array<[number, number]> }>();
  for (let i = 0; i < rows.count; i++) {
    const l = rows.labels[i];
    const le = l.get('le');
    const upper = parseLe(le);
    if (upper === null) {
      if (rows.present.subarray(i * s, i * s + s).some((p) => p === 1)) {
        const name = l.metricName;
        ev.ctx.annotations.warn(`bucket label "le" is missing or has a malformed value of ${JSON.stringify(le)}${name ? ` for metric name ${JSON.stringify(name)}` : ''}`, argPos);
      }
      continue;
    }
    const metric = l.without('le');
    const key = metric.key();
    let grp = groups.get(key);
    if (!grp) groups.set(key, (grp = { metric, members: [] }));
    grp.members.push([i, upper]);
  }
  const out = new RowsBuilder(s, groups.size);
  for (const { metric, members } of groups.values()) {
    let row = -1;
    for (let j = 0; j < s; j++) {
      const buckets: Bucket[] = [];
      for (const [i, upper] of members) if (rows.present[i * s + j]) buckets.push({ upper, count: rows.values[i * s + j] });
      if (buckets.length === 0) continue;
      if (row < 0) row = out.row(metric, true);
      out.set(row, j, f(buckets, j, metric));
    }
  }
  return out.finish();
}

const histogramQuantile: Impl = async (ev, call, g) => {
  const q = await ev.scalar(call.args[0], g);
  const rows = await ev.vector(call.args[1], g);
  const qPos = call.args[0].pos;
  const seenQ = new Set<number>();
  for (const v of q) {
    if ((Number.isNaN(v) || v < 0 || v > 1) && !seenQ.has(v)) {
      seenQ.add(v);
      ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${goFloat(v)}`, qPos);
    }
  }
  const monos = new Map<string, { minTs: number; maxTs: number; minBucket: number; maxBucket: number; maxDiff: number; count: number }>();
  const result = perHistogram(ev, rows, call.args[1].pos, (buckets, j, metric) => {
    const { value, mono } = bucketQuantile(q[j], buckets);
    if (mono?.forced) {
      const name = metric.metricName;
      const t = g.start + j * g.step;
      const m = monos.get(name);
      if (!m) monos.set(name, { minTs: t, maxTs: t, ...mono, count: 0 });
      else {
        m.minTs = Math.min(m.minTs, t);
        m.maxTs = Math.max(m.maxTs, t);
        m.minBucket = Math.min(m.minBucket, mono.minBucket);
        m.maxBucket = Math.max(m.maxBucket, mono.maxBucket);
        m.maxDiff = Math.max(m.maxDiff, mono.maxDiff);
        m.count++;
      }
    }
    return value;
  });
  for (const [name, m] of monos) {
    const iso = (t: number) => new Date(Math.trunc(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    ev.ctx.annotations.info(
      `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)${name ? ` for metric name ${JSON.stringify(name)}` : ''}, from buckets ${goFloat(m.minBucket)} to ${goFloat(m.maxBucket)}, with a max diff of ${goPrec2(m.maxDiff)}, over ${m.count + 1} samples from ${iso(m.minTs)} to ${iso(m.maxTs)}`,
      call.args[1].pos,
    );
  }
  return vectorOf(result);
};

/** goPrec2 formats as Go's `%.2g`. */
function goPrec2(v: number): string {
  if (!Number.isFinite(v) || v === 0) return goFloat(v);
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(2)))));
  if (exp < -4 || exp >= 2) {
    const [m, e] = v.toExponential(1).split('e');
    const n = Number(e);
    return `${m.replace(/\.0$/, '')}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(2)));
}

const histogramFraction: Impl = async (ev, call, g) => {
  const lo = await ev.scalar(call.args[0], g);
  const hi = await ev.scalar(call.args[1], g);
  const rows = await ev.vector(call.args[2], g);
  return vectorOf(perHistogram(ev, rows, call.args[2].pos, (buckets, j) => bucketFraction(lo[j], hi[j], buckets)));
};

export const HISTOGRAM_FUNCTIONS: ReadonlyArray<[string, Impl]> = [
  ['histogram_quantile', histogramQuantile],
  ['histogram_fraction', histogramFraction],
];
