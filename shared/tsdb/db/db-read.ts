/**
 * Reading the durable TSDB: a querier over several sources — the persisted blocks that overlap
 * the range, oldest first, then the head — that reads as one storage. Series are merged by
 * labels; their samples by timestamp, the earliest source winning when two hold the same
 * timestamp (a block holds what was accepted first). When one source holds every selected
 * series (the common case: a recent range only the head covers), select and load go straight
 * to it; otherwise each source's batch is copied out, merged in TypeScript, and copied into the
 * head's WebAssembly memory once (Querier.fromColumns), where the kernels read it.
 */
import type { Labels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matcher.ts';
import { compareStrings } from '../../storage/index/label-index.ts';
import type { Querier, SampleBatch, SelectHints, SeriesSet, StoredSeries } from '../../storage/interface.ts';

/** MergeQuerier: see the module comment. `sources` are in priority order; `primary` makes batches. */
export class MergeQuerier implements Querier {
  readonly #sources: readonly Querier[];
  readonly #primary: Querier;
  #closed = false;

  readonly #onClose: (() => void) | undefined;

  /**
   * The MergeQuerier owns `sources` (closing it closes them); `primary` is one of them. onClose
   * runs once, when the querier is closed.
   */
  constructor(sources: readonly Querier[], primary: Querier, onClose?: () => void) {
    if (!sources.includes(primary)) throw new Error('BUG: the primary querier is not among the sources');
    this.#sources = sources;
    this.#primary = primary;
    this.#onClose = onClose;
  }

  /** select: see Querier.select; the limit applies after merging. A series only blocks hold has ref 0. */
  select(matchers: readonly Matcher[], hints: SelectHints = {}): SeriesSet {
    this.#check('select');
    if (this.#sources.length === 1) return this.#primary.select(matchers, hints); // fast path: the head alone
    const sub: SelectHints = { start: hints.start, end: hints.end };
    const sets = this.#sources.map((q) => q.select(matchers, sub));
    let merged: MergedSeries[] = [];
    sets.forEach((set, k) => {
      const primary = this.#sources[k] === this.#primary;
      const list = set.series.map((x, i): MergedSeries => ({ labels: x.labels, ref: primary ? x.ref : 0, parts: [[k, i]] }));
      merged = mergeByLabels(merged, list, primary);
    });
    const limit = hints.limit ?? 0;
    if (limit > 0 && merged.length > limit) merged = merged.slice(0, limit);
    return new MergedSeriesSet(merged, sets, this.#primary);
  }

  labelNames(matchers?: readonly Matcher[]): string[] {
    this.#check('labelNames');
    return unionSorted(this.#sources.map((q) => q.labelNames(matchers)));
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    this.#check('labelValues');
    return unionSorted(this.#sources.map((q) => q.labelValues(name, matchers)));
  }

  fromColumns(offsets: Int32Array, timestamps: Float64Array, values: Float64Array): SampleBatch {
    this.#check('fromColumns');
    return this.#primary.fromColumns(offsets, timestamps, values);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const q of this.#sources) q.close();
    this.#onClose?.();
  }

  #check(what: string): void {
    if (this.#closed) throw new Error(`BUG: ${what} on a closed querier`);
  }
}

/**
 * FloorQuerier: the head's querier seen from `floor` on. The head may still hold samples older
 * than its minimum valid time (open chunks are not freed by a cut); blocks own that time, and
 * after retention deleted those blocks nobody should see it, so the head's reads start at the floor.
 */
export class FloorQuerier implements Querier {
  readonly #inner: Querier;
  readonly #floor: number;

  constructor(inner: Querier, floor: number) {
    this.#inner = inner;
    this.#floor = floor;
  }

  select(matchers: readonly Matcher[], hints: SelectHints = {}): SeriesSet {
    const floor = this.#floor;
    const start = hints.start === undefined ? undefined : Math.max(hints.start, floor);
    const set = this.#inner.select(matchers, { ...hints, start });
    return {
      series: set.series,
      load: (mint?: number, maxt?: number, from?: number, to?: number) => set.load(mint === undefined ? start : Math.max(mint, floor), maxt, from, to),
    };
  }

  labelNames(matchers?: readonly Matcher[]): string[] {
    return this.#inner.labelNames(matchers);
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    return this.#inner.labelValues(name, matchers);
  }

  fromColumns(offsets: Int32Array, timestamps: Float64Array, values: Float64Array): SampleBatch {
    return this.#inner.fromColumns(offsets, timestamps, values);
  }

  close(): void {
    this.#inner.close();
  }
}

/** MergedSeries: one series and where each source has it: [set index, series index in that set]. */
interface MergedSeries extends StoredSeries {
  labels: Labels;
  ref: number;
  parts: [number, number][];
}

/** mergeByLabels merges two label-sorted lists, joining entries with equal labels. */
function mergeByLabels(a: MergedSeries[], b: MergedSeries[], bIsPrimary: boolean): MergedSeries[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: MergedSeries[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const c = a[i].labels.compare(b[j].labels);
    if (c < 0) out.push(a[i++]);
    else if (c > 0) out.push(b[j++]);
    else {
      const x = a[i++], y = b[j++];
      out.push({ labels: x.labels, ref: bIsPrimary ? y.ref : x.ref, parts: [...x.parts, ...y.parts] });
    }
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** unionSorted merges sorted string lists into one sorted list without duplicates. */
function unionSorted(lists: string[][]): string[] {
  const nonEmpty = lists.filter((l) => l.length);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? [];
  return [...new Set(nonEmpty.flat())].sort(compareStrings);
}

/** Columns: one source batch copied out of WebAssembly memory. */
interface Columns {
  offsets: Int32Array;
  ts: Float64Array;
  vs: Float64Array;
  /** The set index of the batch's first series. */
  first: number;
}

/** MergedSeriesSet: series from several sources; load() merges their samples by timestamp. */
class MergedSeriesSet implements SeriesSet {
  readonly series: readonly MergedSeries[];
  readonly #sets: readonly SeriesSet[];
  readonly #primary: Querier;

  constructor(series: MergedSeries[], sets: readonly SeriesSet[], primary: Querier) {
    this.series = series;
    this.#sets = sets;
    this.#primary = primary;
  }

  load(mint?: number, maxt?: number, from = 0, to = this.series.length): SampleBatch {
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= this.series.length)) {
      throw new RangeError(`load: slice [${from}, ${to}) is not within the ${this.series.length} series of the set`);
    }
    const whole = this.#wholeSet();
    if (whole) return whole.load(mint, maxt, from, to); // fast path: one source holds every series, in order
    const slice = this.series.slice(from, to);
    // The series of one source that fall in the slice are contiguous in that source's set.
    const lo = this.#sets.map(() => Infinity), hi = this.#sets.map(() => -Infinity);
    for (const s of slice) {
      for (const [k, i] of s.parts) {
        if (i < lo[k]) lo[k] = i;
        if (i + 1 > hi[k]) hi[k] = i + 1;
      }
    }
    const cols: (Columns | undefined)[] = this.#sets.map((set, k) => {
      if (lo[k] === Infinity) return undefined;
      const b = set.load(mint, maxt, lo[k], hi[k]);
      try {
        if (b.seriesCount !== hi[k] - lo[k]) throw new Error(`BUG: source ${k} loaded ${b.seriesCount} series for the slice [${lo[k]}, ${hi[k]})`);
        return { offsets: b.offsets().slice(), ts: b.timestamps().slice(), vs: b.values().slice(), first: lo[k] };
      } finally {
        b.release();
      }
    });
    let total = 0;
    for (const c of cols) if (c) total += c.ts.length;
    const offsets = new Int32Array(slice.length + 1);
    const ts = new Float64Array(total), vs = new Float64Array(total);
    let n = 0;
    for (let s = 0; s < slice.length; s++) {
      offsets[s] = n;
      n = mergeSeries(slice[s].parts, cols, ts, vs, n);
    }
    offsets[slice.length] = n;
    return this.#primary.fromColumns(offsets, ts.subarray(0, n), vs.subarray(0, n));
  }

  /** #wholeSet returns the set whose series are exactly this set's, when only one source has any. */
  #wholeSet(): SeriesSet | undefined {
    const used = this.#sets.filter((x) => x.series.length > 0);
    if (used.length !== 1 || used[0].series.length !== this.series.length) return undefined;
    const k = this.#sets.indexOf(used[0]);
    return this.series.every((x) => x.parts.length === 1 && x.parts[0][0] === k) ? used[0] : undefined;
  }
}

/**
 * mergeSeries writes the union of one series' samples from its parts into ts/vs from index n,
 * in time order, the earlier part winning on equal timestamps, and returns the new end.
 */
function mergeSeries(parts: [number, number][], cols: (Columns | undefined)[], ts: Float64Array, vs: Float64Array, n: number): number {
  const pos: number[] = [], end: number[] = [], src: Columns[] = [];
  for (const [k, idx] of parts) {
    const c = cols[k]!;
    const i = idx - c.first;
    if (c.offsets[i] < c.offsets[i + 1]) {
      src.push(c);
      pos.push(c.offsets[i]);
      end.push(c.offsets[i + 1]);
    }
  }
  if (src.length === 1) {
    // Fast path: one part has samples.
    const c = src[0];
    ts.set(c.ts.subarray(pos[0], end[0]), n);
    vs.set(c.vs.subarray(pos[0], end[0]), n);
    return n + end[0] - pos[0];
  }
  for (;;) {
    let best = -1, bt = Infinity;
    for (let p = 0; p < src.length; p++) {
      if (pos[p] < end[p] && src[p].ts[pos[p]] < bt) {
        bt = src[p].ts[pos[p]];
        best = p;
      }
    }
    if (best < 0) return n;
    ts[n] = bt;
    vs[n] = src[best].vs[pos[best]];
    n++;
    for (let p = 0; p < src.length; p++) if (pos[p] < end[p] && src[p].ts[pos[p]] === bt) pos[p]++;
  }
}
