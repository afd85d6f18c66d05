/**
 * Reading the durable TSDB: a querier over several sources — the persisted blocks that overlap
 * the range, oldest first, then the head — that reads as one storage. Series are merged by
 * labels; their samples by timestamp, the earliest source winning when two hold the same
 * timestamp (a block holds what was accepted first). When one source holds every selected
 * series (the common case: a recent range only the head covers), select and load go straight
 * to it; otherwise the blocks' chunks are gathered and decoded together, the head's samples
 * decoded apart, and the core joins the two into the one batch the kernels read, without the
 * samples leaving its memory.
 */
import { CoreBatch, type Core } from '../../../core-wasm/host/index.ts';
import { canGather, type GatheringSeriesSet } from '../block/block-querier.ts';
import { interleave, type GatheredChunks } from '../block/gather.ts';
import type { Labels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matcher.ts';
import { compareStrings } from '../../storage/index/label-index.ts';
import type { Columns, LoadOptions, PortableLoad, PortableSlice, Querier, SampleBatch, SelectHints, SeriesSet, StepMatrix, StoredSeries, SumCells } from '../../storage/interface.ts';
import { joinSlice } from './slice-load.ts';

/**
 * MergeQuerier: see the module comment. `sources` are in priority order and load into `core`;
 * `primary` makes batches from columns and gives series their refs.
 */
export class MergeQuerier implements Querier {
  readonly #sources: readonly Querier[];
  readonly #primary: Querier;
  readonly #core: Core;
  #closed = false;

  readonly #onClose: (() => void) | undefined;

  /**
   * The MergeQuerier owns `sources` (closing it closes them); `primary` is one of them; every
   * source's batches live in `core`. onClose
   * runs once, when the querier is closed.
   */
  constructor(sources: readonly Querier[], primary: Querier, core: Core, onClose?: () => void) {
    if (!sources.includes(primary)) throw new Error('BUG: the primary querier is not among the sources');
    this.#sources = sources;
    this.#primary = primary;
    this.#core = core;
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
    return new MergedSeriesSet(merged, sets, this.#core);
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

  sumRows(rows: Pick<StepMatrix, 'values' | 'present'>, row: number, count: number, steps: number, groupOf: Int32Array, cells: SumCells): number {
    this.#check('sumRows');
    return this.#primary.sumRows(rows, row, count, steps, groupOf, cells);
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
 * FloorQuerier: the head's querier seen from `floor` (Head.readFloor) on. The head may still hold
 * samples older than that (open chunks are not freed by a cut); blocks own that time, and
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
      load: (mint?: number, maxt?: number, from?: number, to?: number, opts?: LoadOptions) => set.load(mint === undefined ? start : Math.max(mint, floor), maxt, from, to, opts),
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

  sumRows(rows: Pick<StepMatrix, 'values' | 'present'>, row: number, count: number, steps: number, groupOf: Int32Array, cells: SumCells): number {
    return this.#inner.sumRows(rows, row, count, steps, groupOf, cells);
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

/** MergedSeriesSet: series from several sources; load() merges their samples in the core. */
class MergedSeriesSet implements SeriesSet {
  readonly series: readonly MergedSeries[];
  readonly #sets: readonly SeriesSet[];
  readonly #core: Core;

  constructor(series: MergedSeries[], sets: readonly SeriesSet[], core: Core) {
    this.series = series;
    this.#sets = sets;
    this.#core = core;
  }

  /**
   * load decodes the slice's series from every source that holds them, without the samples
   * leaving WebAssembly memory. Blocks' chunks are gathered and interleaved series by series, so
   * one Core.decodeChunks call decodes them all in place; other sources (the head) decode into
   * batches of their own, and one Core.mergeBatches call joins those with the blocks' batch (a
   * copy when they follow each other in time, a sort when they overlap). Either way, of two
   * samples with the same timestamp the earlier source's is kept.
   */
  load(mint?: number, maxt?: number, from = 0, to = this.series.length, opts?: LoadOptions): SampleBatch {
    const whole = this.#wholeSet(from, to);
    if (whole) return whole.load(mint, maxt, from, to, opts); // fast path: one source holds every series, in order
    const p = this.#prepare(mint, maxt, from, to, false)!;
    try {
      return joinSlice(this.#core, p.chunks, mint!, maxt!, p.others, p.parts, p.partStarts, opts?.valuesUnused);
    } finally {
      for (const b of p.others) b.release();
    }
  }

  /**
   * portable: see SeriesSet.portable. The blocks' chunks are gathered as load() gathers them and
   * the other sources' batches copied out as columns; null when no block holds any of the slice.
   */
  portable(mint: number, maxt: number, from: number, to: number, opts?: LoadOptions): PortableSlice | null {
    const valuesUnused = opts?.valuesUnused ?? false;
    const whole = this.#wholeSet(from, to);
    if (whole) {
      if (!canGather(whole)) return null;
      const chunks = whole.gather(mint, maxt, from, to);
      return { load: portableLoad(to - from, mint, maxt, chunks, [], null, null, valuesUnused), corruption: (j, err) => chunks.corruption(j, err) };
    }
    const p = this.#prepare(mint, maxt, from, to, true);
    if (p === null) return null;
    const chunks = p.chunks!;
    try {
      const columns = p.others.map((b): Columns => ({ offsets: b.offsets().slice(), timestamps: b.timestamps().slice(), values: b.values().slice() }));
      return { load: portableLoad(to - from, mint, maxt, chunks, columns, p.parts, p.partStarts, valuesUnused), corruption: (j, err) => chunks.corruption(j, err) };
    } finally {
      for (const b of p.others) b.release();
    }
  }

  /**
   * #prepare does the first half of loading a slice: the leading sources that can (blocks come
   * first in priority order) gather their chunks, interleaved series by series; the others load
   * batches. parts/partStarts join them (the chunks' batch as source 0), null for chunks alone.
   * With `needChunks`, a slice no block holds is null, before anything is loaded.
   */
  #prepare(mint: number | undefined, maxt: number | undefined, from: number, to: number, needChunks: boolean): { chunks: GatheredChunks | null; others: CoreBatch[]; parts: Uint32Array | null; partStarts: Uint32Array | null } | null {
    const slice = this.series.slice(from, to);
    // The series of one source that fall in the slice are contiguous in that source's set.
    const lo = this.#sets.map(() => Infinity), hi = this.#sets.map(() => -Infinity);
    for (const s of slice) {
      for (const [k, i] of s.parts) {
        if (i < lo[k]) lo[k] = i;
        if (i + 1 > hi[k]) hi[k] = i + 1;
      }
    }
    const used = this.#sets.flatMap((set, k) => (lo[k] === Infinity ? [] : [k]));
    let gathered = 0;
    if (mint !== undefined && maxt !== undefined) while (gathered < used.length && canGather(this.#sets[used[gathered]])) gathered++;
    if (needChunks && gathered === 0) return null;
    let chunks: GatheredChunks | null = null;
    if (gathered > 0) {
      const ks = used.slice(0, gathered);
      const each = ks.map((k) => (this.#sets[k] as GatheringSeriesSet).plan(mint, maxt, lo[k], hi[k]));
      const { parts, partStarts } = partsOf(slice, ks, lo);
      chunks = interleave(each, parts, partStarts);
    }
    const others: CoreBatch[] = [];
    try {
      for (const k of used.slice(gathered)) {
        const b = this.#sets[k].load(mint, maxt, lo[k], hi[k]);
        if (!(b instanceof CoreBatch)) {
          b.release();
          throw new Error(`BUG: source ${k} loaded a batch outside the core`);
        }
        others.push(b);
        if (b.seriesCount !== hi[k] - lo[k]) throw new Error(`BUG: source ${k} loaded ${b.seriesCount} series for the slice [${lo[k]}, ${hi[k]})`);
      }
    } catch (err) {
      for (const b of others) b.release();
      throw err;
    }
    if (chunks !== null && others.length === 0) return { chunks, others, parts: null, partStarts: null }; // blocks only: decoded in place
    // The gathered blocks' batch holds series s of the slice at index s: it is one source.
    const sources = gathered > 0 ? [-1, ...used.slice(gathered)] : used;
    const { parts, partStarts } = partsOf(slice, sources, lo, new Set(used.slice(0, gathered)));
    return { chunks, others, parts, partStarts };
  }

  /**
   * #wholeSet returns the set whose series are exactly this set's, when only one source has any;
   * it first checks that [from, to) is a slice of the set.
   */
  #wholeSet(from: number, to: number): SeriesSet | undefined {
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= this.series.length)) {
      throw new RangeError(`load: slice [${from}, ${to}) is not within the ${this.series.length} series of the set`);
    }
    const used = this.#sets.filter((x) => x.series.length > 0);
    if (used.length !== 1 || used[0].series.length !== this.series.length) return undefined;
    const k = this.#sets.indexOf(used[0]);
    return this.series.every((x) => x.parts.length === 1 && x.parts[0][0] === k) ? used[0] : undefined;
  }
}

/**
 * partsOf lays out, for each series of a slice, its parts in the sources `ks` (set indexes, in
 * priority order) as decodeChunks' interleave and mergeBatches take them: pairs (position in
 * ks, series index within what that source loaded for the slice, which starts at lo[k]). A
 * source -1 stands for the already decoded blocks in `merged`: the slice's series s there is s.
 */
function partsOf(slice: readonly MergedSeries[], ks: readonly number[], lo: readonly number[], merged?: ReadonlySet<number>): { parts: Uint32Array; partStarts: Uint32Array } {
  const pos = new Map(ks.map((k, p) => [k, p]));
  const out: number[] = [];
  const partStarts = new Uint32Array(slice.length + 1);
  slice.forEach((s, j) => {
    partStarts[j] = out.length / 2;
    let mergedDone = false;
    for (const [k, i] of s.parts) {
      if (merged?.has(k)) {
        if (!mergedDone) out.push(pos.get(-1)!, j);
        mergedDone = true;
      } else if (pos.has(k)) out.push(pos.get(k)!, i - lo[k]);
    }
  });
  partStarts[slice.length] = out.length / 2;
  return { parts: Uint32Array.from(out), partStarts };
}

/**
 * portableLoad: a PortableLoad of the gathered chunks' arrays (copied into their own buffers if
 * they share one; the data is in a gather buffer of its own, which the worker sends back instead
 * of releasing the chunks here) and columns.
 */
function portableLoad(seriesCount: number, mint: number, maxt: number, c: GatheredChunks, columns: Columns[], parts: Uint32Array | null, partStarts: Uint32Array | null, valuesUnused: boolean): PortableLoad {
  const own = <T extends Uint8Array | Uint32Array>(a: T): T => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T));
  return { seriesCount, mint, maxt, chunks: { data: c.data, offsets: own(c.offsets), starts: own(c.starts), samples: own(c.samples) }, columns, parts, partStarts, valuesUnused };
}
