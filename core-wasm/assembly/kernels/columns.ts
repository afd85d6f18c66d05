// Kernel columns: the per-series view the range kernels compute on. A batch series may carry
// staleness markers; range windows never include them, so a series with markers is copied once,
// without them, into scratch columns the kernels own (fast path: a series without markers is
// read in place). Also holds the other scratch a kernel call needs (a sort buffer and a deque)
// and the Kahan–Neumaier increment Prometheus sums with. Nothing keeps a pointer into the
// scratch across calls.

/** STALE_BITS: the staleness marker's exact bits. */
@inline export const STALE_BITS: u64 = 0x7ff0000000000002;

let cleanTs: usize = 0;
let cleanVs: usize = 0;
let sortBuf: usize = 0;
let dequeBuf: usize = 0;
let dropsBuf: usize = 0;
let cap: u32 = 0;

/** ensureKernelScratch makes every scratch column hold at least n samples. */
export function ensureKernelScratch(n: u32): void {
  if (n <= cap) return;
  const c = max<u32>(n, cap * 2);
  if (cap != 0) {
    heap.free(cleanTs);
    heap.free(cleanVs);
    heap.free(sortBuf);
    heap.free(dequeBuf);
    heap.free(dropsBuf);
  }
  cleanTs = heap.alloc(<usize>c << 3);
  cleanVs = heap.alloc(<usize>c << 3);
  sortBuf = heap.alloc(<usize>c << 3);
  dequeBuf = heap.alloc(<usize>c << 2);
  dropsBuf = heap.alloc(<usize>c << 2);
  cap = c;
}

/** maxSeriesLength: the most samples any of `series` series of an offsets column holds. */
export function maxSeriesLength(offsets: usize, series: u32): u32 {
  let m: u32 = 0;
  for (let s: u32 = 0; s < series; s++) {
    const n = <u32>(load<i32>(offsets + ((<usize>s + 1) << 2)) - load<i32>(offsets + (<usize>s << 2)));
    if (n > m) m = n;
  }
  return m;
}

/** Where the current series' marker-free columns are; set by selectSeries. */
export let curTs: usize = 0;
export let curVs: usize = 0;

/**
 * selectSeries points curTs/curVs at the n samples at (ts, vs) without their staleness markers
 * and returns how many remain. Scratch must hold n samples (ensureKernelScratch).
 */
export function selectSeries(ts: usize, vs: usize, n: u32): u32 {
  let i: u32 = 0;
  while (i < n && load<u64>(vs + (<usize>i << 3)) != STALE_BITS) i++;
  if (i == n) {
    // Fast path: no marker, read in place.
    curTs = ts;
    curVs = vs;
    return n;
  }
  memory.copy(cleanTs, ts, <usize>i << 3);
  memory.copy(cleanVs, vs, <usize>i << 3);
  let k = i;
  for (; i < n; i++) {
    const bits = load<u64>(vs + (<usize>i << 3));
    if (bits == STALE_BITS) continue;
    store<f64>(cleanTs + (<usize>k << 3), load<f64>(ts + (<usize>i << 3)));
    store<u64>(cleanVs + (<usize>k << 3), bits);
    k++;
  }
  curTs = cleanTs;
  curVs = cleanVs;
  return k;
}

/** sortScratch: a buffer of f64 as long as the scratch columns. */
@inline export function sortScratch(): usize {
  return sortBuf;
}

/** dequeScratch: a buffer of u32 as long as the scratch columns. */
@inline export function dequeScratch(): usize {
  return dequeBuf;
}

/**
 * countDrops records, for each of the n samples of the current series, how many samples up to
 * it are below their predecessor (counter resets): a window [lo, hi) holds
 * dropsAt(hi - 1) - dropsAt(lo) of them, so a window without any needs no scan.
 */
export function countDrops(n: u32): void {
  let d: u32 = 0;
  if (n > 0) store<u32>(dropsBuf, 0);
  for (let i: u32 = 1; i < n; i++) {
    if (vAt(i) < vAt(i - 1)) d++;
    store<u32>(dropsBuf + (<usize>i << 2), d);
  }
  anyDrops = d > 0;
}

/** anyDrops: whether a value of the current series is below its predecessor (after countDrops or selectCounter). */
export let anyDrops = false;

/**
 * selectCounter is selectSeries then countDrops, for the counter functions, in one pass over the
 * values when the series has no staleness marker, drop or NaN (the usual case): it is then
 * read in place and dropsAt is never needed (anyDrops is false).
 */
export function selectCounter(ts: usize, vs: usize, n: u32): u32 {
  // One pass: each value at least the one before it, which no NaN is (a staleness marker is a
  // NaN); the same pass sees whether the samples lie one interval apart (the interval: the first
  // two samples'). After the first sample, four a turn in f64x2 lanes, each against the one
  // before it, their tests combined into one branch.
  const d = n >= 2 ? load<f64>(ts, 8) - load<f64>(ts) : 0;
  let i: u32 = 0;
  let uneven = false;
  if (n > 0 && load<f64>(vs) == load<f64>(vs)) i = 1;
  if (i == 1) {
    const interval = f64x2.splat(d);
    let off = v128.splat<i64>(0);
    while (i + 4 <= n) {
      const p = vs + (<usize>i << 3), q = ts + (<usize>i << 3);
      const v01 = v128.load(p), v23 = v128.load(p, 16), u01 = v128.load(p - 8), u23 = v128.load(p, 8);
      if (!v128.all_true<i64>(v128.and(f64x2.ge(v01, u01), f64x2.ge(v23, u23)))) break;
      const t01 = v128.load(q), t23 = v128.load(q, 16), s01 = v128.load(q - 8), s23 = v128.load(q, 8);
      off = v128.or(off, v128.or(f64x2.ne(f64x2.sub(t01, s01), interval), f64x2.ne(f64x2.sub(t23, s23), interval)));
      i += 4;
    }
    uneven = v128.any_true(off);
    while (i < n) {
      if (!(load<f64>(vs + (<usize>i << 3)) >= load<f64>(vs + (<usize>(i - 1) << 3)))) break;
      uneven |= load<f64>(ts + (<usize>i << 3)) - load<f64>(ts + (<usize>(i - 1) << 3)) != d;
      i++;
    }
  }
  if (i == n) {
    curTs = ts;
    curVs = vs;
    anyDrops = false;
    counterInterval = uneven || !(d > 0) ? 0 : d;
    return n;
  }
  counterInterval = -1;
  const m = selectSeries(ts, vs, n);
  countDrops(m);
  return m;
}

/**
 * counterInterval: after selectCounter, for a series read in place (no staleness marker, drop or
 * NaN), the interval at which its samples lie exactly (at least two samples), else 0; −1 for a
 * series it copied, whose intervals it did not look at.
 */
export let counterInterval: f64 = 0;

/** dropsAt: the resets up to sample i of the current series (after countDrops, when anyDrops). */
@inline export function dropsAt(i: u32): u32 {
  return load<u32>(dropsBuf + (<usize>i << 2));
}

/** tAt/vAt read sample i of the current series. */
@inline export function tAt(i: u32): f64 {
  return load<f64>(curTs + (<usize>i << 3));
}
@inline export function vAt(i: u32): f64 {
  return load<f64>(curVs + (<usize>i << 3));
}

/** kahanC: the compensation that kahanInc returns beside the sum. */
export let kahanC: f64 = 0;

/**
 * kahanInc adds inc to sum with compensation c (Neumaier's variant, as Prometheus' kahansum.Inc):
 * returns the new sum and leaves the new compensation in kahanC. An infinite sum zeroes it.
 */
@inline export function kahanInc(inc: f64, sum: f64, c: f64): f64 {
  const t = sum + inc;
  if (t > f64.MAX_VALUE || t < -f64.MAX_VALUE) {
    c = 0;
  } else if (Math.abs(sum) >= Math.abs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  kahanC = c;
  return t;
}

/**
 * sortValues sorts n f64 at p as Prometheus' quantile does: NaNs first, then ascending. Small
 * inputs by insertion, larger by heapsort (no worst case, no recursion).
 */
export function sortValues(p: usize, n: u32): void {
  // NaNs to the front.
  let nan: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const v = load<f64>(p + (<usize>i << 3));
    if (isNaN(v)) {
      store<f64>(p + (<usize>i << 3), load<f64>(p + (<usize>nan << 3)));
      store<f64>(p + (<usize>nan << 3), v);
      nan++;
    }
  }
  const q = p + (<usize>nan << 3);
  const m = n - nan;
  if (m <= 24) {
    for (let i: u32 = 1; i < m; i++) {
      const v = load<f64>(q + (<usize>i << 3));
      let j = i;
      while (j > 0 && load<f64>(q + (<usize>(j - 1) << 3)) > v) {
        store<f64>(q + (<usize>j << 3), load<f64>(q + (<usize>(j - 1) << 3)));
        j--;
      }
      store<f64>(q + (<usize>j << 3), v);
    }
    return;
  }
  for (let i = <i32>(m >> 1) - 1; i >= 0; i--) siftDown(q, <u32>i, m);
  for (let end = m - 1; end > 0; end--) {
    const top = load<f64>(q);
    store<f64>(q, load<f64>(q + (<usize>end << 3)));
    store<f64>(q + (<usize>end << 3), top);
    siftDown(q, 0, end);
  }
}

function siftDown(q: usize, i: u32, n: u32): void {
  const v = load<f64>(q + (<usize>i << 3));
  while (true) {
    let c: u32 = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && load<f64>(q + (<usize>(c + 1) << 3)) > load<f64>(q + (<usize>c << 3))) c++;
    const cv = load<f64>(q + (<usize>c << 3));
    if (!(cv > v)) break;
    store<f64>(q + (<usize>i << 3), cv);
    i = c;
  }
  store<f64>(q + (<usize>i << 3), v);
}

/**
 * quantileSorted: Prometheus' quantile of n sorted values at p (NaN-first order): NaN for NaN q
 * or no values, -Inf below 0, +Inf above 1, else the weighted mean of the two nearest ranks.
 */
export function quantileSorted(q: f64, p: usize, n: u32): f64 {
  if (n == 0 || isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const fn = <f64>n;
  const rank = q * (fn - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(fn - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return load<f64>(p + (<usize>(<u32>lower) << 3)) * (1 - weight) + load<f64>(p + (<usize>(<u32>upper) << 3)) * weight;
}
