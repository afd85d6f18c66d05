/**
 * Series sources: a selection's samples loaded slice by slice of series and run through one
 * kernel, each slice either in the query's thread or in a query worker (EvalContext.workers,
 * shared/promql/parallel/), its result handed on in series order: the rows of a whole result
 * (runKernel), a stream of rows (streamKernel), or per-group partials of an aggregation (fold).
 * Slices bound the memory one selection takes, let the event loop run between them, and are the
 * unit the threads share.
 */
import type { VectorSelector } from '../ast.ts';
import type { Labels } from '../../model/labels.ts';
import type { LoadOptions, MatrixSlot, PortableLoad, RowSum, SampleBatch, SeriesSet, StepMatrix, SumCells } from '../../storage/interface.ts';
import { WorkerLostError, type SliceResult } from '../parallel/pool.ts';
import { applyKernel, type KernelSpec } from '../parallel/spec.ts';
import { foldRows, foldSlot, type FoldSpec, type Partial } from '../parallel/fold.ts';
import type { EvalContext } from './context.ts';
import type { Rows } from './rows.ts';

/**
 * FIRST_SLICE: the series in a selection's first slice, before the samples per series are known.
 * A selection is decoded and run through its kernel in slices of series of about
 * ctx.sliceSamples samples each, so a query over many long series never holds all their samples
 * at once (58.5 M samples would be 936 MB of columns).
 */
const FIRST_SLICE = 16;

/**
 * MAX_WAITING: the most slices run() keeps computed or in flight before handing the oldest on,
 * which bounds the rows a query holds while a worker is slower than its own thread.
 */
const MAX_WAITING = 8;

/**
 * SeriesSource: selected series whose samples load slice by slice. each() calls `visit` with one
 * batch per slice of consecutive series (`first`: the slice's first series in `labels`); the batch
 * is held against the query's sample limit during the call and released after it. Between two
 * slices it lets the event loop run (EvalContext.pause), so a query over many series neither
 * holds up other requests nor misses its client going away.
 *
 * run() runs one kernel over every slice the same way, each slice either in this thread, into
 * `slot(first, count, alone)`, or in a query worker (EvalContext.workers) while this thread goes
 * on with the next. `alone` says the slot's rows reach done() before slot() is called again (so
 * a consumer may reuse one matrix). done() gets every slice's result once, in series order.
 */
export interface SeriesSource {
  labels: Labels[];
  each(visit: (batch: SampleBatch, first: number) => void): Promise<void>;
  run(spec: KernelSpec, sink: SliceSink): Promise<void>;
}

/**
 * SliceSink: where SeriesSource.run puts each slice's result. A slice computed in this thread
 * writes its rows into slot(first, count, alone). With `fold`, each slice's rows are folded into
 * the groups fold(first, count) names where they are computed, and done() gets the Partial;
 * otherwise it gets the rows (the matrix, and the row where the slice starts). valuesUnused: the
 * folding reads only which cells are present (count, group), so an instant kernel's input needs
 * only its times and staleness markers (LoadOptions.valuesUnused).
 */
export interface SliceSink {
  slot(first: number, count: number, alone: boolean): MatrixSlot;
  fold?: (first: number, count: number) => FoldSpec;
  valuesUnused?: boolean;
  done(r: SliceOut, first: number, count: number): void;
}

/** SliceOut: one slice's result: its rows, or (when folded) its Partial. */
export type SliceOut = { matrix: StepMatrix; row: number; partial?: undefined } | { partial: Partial };

/** runKernel runs `spec` on every slice of `src` into one result of its grid's steps, series in order. */
export async function runKernel(src: SeriesSource, steps: number, spec: KernelSpec): Promise<StepMatrix> {
  const series = src.labels.length, cells = series * steps;
  const matrix: StepMatrix = { series, steps, values: new Float64Array(cells), present: new Uint8Array(cells) };
  if (spec.kind === 'instant' && spec.timestamps) matrix.timestamps = new Float64Array(cells);
  await src.run(spec, {
    slot: (first) => ({ matrix, row: first }),
    done: (r, first, count) => {
      if (!r.partial && r.matrix !== matrix) copyRows(r.matrix, r.row, matrix, first, count);
    },
  });
  return matrix;
}

/** runEach runs `kernel`, a function of a batch, on every slice of `src` in this thread, like runKernel. */
export async function runEach(src: SeriesSource, steps: number, kernel: (batch: SampleBatch, into: MatrixSlot) => void): Promise<StepMatrix> {
  const series = src.labels.length, cells = series * steps;
  const matrix: StepMatrix = { series, steps, values: new Float64Array(cells), present: new Uint8Array(cells) };
  await src.each((batch, first) => kernel(batch, { matrix, row: first }));
  return matrix;
}

/** copyRows copies `count` rows of `from` starting at row `at` into `to` from row `row`. */
function copyRows(from: StepMatrix, at: number, to: StepMatrix, row: number, count: number): void {
  const s = to.steps, a = at * s, b = (at + count) * s;
  to.values.set(from.values.subarray(a, b), row * s);
  to.present.set(from.present.subarray(a, b), row * s);
  if (to.timestamps && from.timestamps) to.timestamps.set(from.timestamps.subarray(a, b), row * s);
}

/**
 * RowStream: an instant vector produced slice by slice, for a consumer that folds each slice into
 * its own result right away (an aggregation) instead of holding all series × steps cells at once.
 * each() calls `visit` with rows [0, count) of `m`, the values of series [first, first + count)
 * of `labels` (in order; `m` is reused by the next slice). Series without any value are still
 * visited: the consumer skips them, as Rows.compact would have dropped them. When `after` is set,
 * the consumer calls it once at the end with the labels of the series that had a value (for the
 * annotations an evaluated Rows would have raised).
 */
export interface RowStream {
  labels: Labels[];
  dropName: Uint8Array;
  each(visit: (m: StepMatrix, first: number, count: number) => void): Promise<void>;
  /**
   * fold: instead of each(), every slice folded into the groups groups(first, count) names,
   * where the slice is computed (shared/promql/parallel/fold.ts); `visit` gets the partials in
   * series order. Only streams computed by a kernel have it.
   */
  fold?(groups: (first: number, count: number) => FoldSpec, visit: (p: Partial, first: number, count: number) => void, valuesUnused?: boolean): Promise<void>;
  /**
   * sum: instead of each(), every slice's rows added to running sums in series order, in the
   * WebAssembly memory they are computed in when no earlier slice is outstanding (RowSum), else by
   * `rows` from the rows handed back. groupOf(present, first, count) names each row's group
   * (−1: skipped) from its present flags; cells() gives the sums. Returns the present cells
   * folded. Only streams computed by a kernel have it.
   */
  sum?(
    groupOf: (present: Uint8Array, first: number, count: number) => Int32Array,
    cells: () => SumCells,
    rows: (m: StepMatrix, row: number, count: number, groupOf: Int32Array) => number,
  ): Promise<number>;
  after?: (live: Labels[]) => void;
}

/** rowsStream: evaluated rows as a RowStream of one slice. */
export function rowsStream(rows: Rows): RowStream {
  const m: StepMatrix = { series: rows.count, steps: rows.steps, values: rows.values, present: rows.present };
  return { labels: rows.labels, dropName: rows.dropName, each: async (visit) => visit(m, 0, rows.count) };
}

/**
 * streamKernel: RowStream.each and RowStream.fold over the slices of `src`, running `spec` on
 * each slice into matrices that are used again once their rows are handed on (SlotMatrices),
 * never into a whole result.
 */
export function streamKernel(src: SeriesSource, steps: number, spec: KernelSpec): Pick<RowStream, 'each' | 'fold' | 'sum'> {
  return {
    async each(visit) {
      const mats = new SlotMatrices(steps);
      await src.run(spec, {
        slot: (_first, count, alone) => ({ matrix: mats.take(count, alone), row: 0 }),
        done(r, first, count) {
          if (r.partial) throw new Error('BUG: a slice folded without a fold asked');
          visit(r.matrix, first, count);
          mats.handedOn(r.matrix);
        },
      });
    },
    async fold(groups, visit, valuesUnused) {
      const mats = new SlotMatrices(steps);
      await src.run(spec, {
        slot: (_first, count) => ({ matrix: mats.take(count, true), row: 0 }),
        fold: groups,
        valuesUnused,
        done(r, first, count) {
          if (!r.partial) throw new Error('BUG: a folded slice handed on rows');
          visit(r.partial, first, count);
        },
      });
    },
    async sum(groupOf, cells, rows) {
      const mats = new SlotMatrices(steps);
      let folded = 0;
      // The slice being summed where it is computed: alone, it reaches done() next.
      let inCore: RowSum | null = null;
      await src.run(spec, {
        slot(first, count, alone) {
          const matrix = mats.take(count, alone);
          if (!alone) return { matrix, row: 0 };
          inCore = { groupOf: (present) => groupOf(present, first, count), cells };
          return { matrix, row: 0, sum: inCore };
        },
        done(r, first, count) {
          if (r.partial) throw new Error('BUG: a summed slice folded into partials');
          const summed: RowSum | null = inCore;
          inCore = null;
          if (summed?.folded !== undefined) {
            folded += summed.folded;
            return;
          }
          const { matrix, row } = r;
          folded += rows(matrix, row, count, groupOf(matrix.present.subarray(row * steps, (row + count) * steps), first, count));
          mats.handedOn(matrix);
        },
      });
      return folded;
    },
  };
}

/**
 * SlotMatrices: the matrices one run computes its slices into in this thread. A slice computed
 * while none waits to be handed on (`alone`) reaches done() before the next slot is asked for, so
 * one matrix, grown to the largest slice, serves them all. A slice computed while others are in
 * flight keeps its matrix until it is handed on, after which handedOn() makes it free for a later
 * slice: a run allocates about as many matrices as it holds at once (MAX_WAITING at most), not
 * one a slice. A 24 h `sum by (job) (rate(…))` at 15 s steps over the benchmark's day with one
 * query worker allocated 23 MB of them a query, and each 16 MB of such garbage costs a full
 * collection (shared/cli/external-gc.ts). A kernel writes every cell of its rows, so a matrix
 * used again is not cleared; rows past the slice's are stale and never read.
 */
class SlotMatrices {
  #alone: StepMatrix;
  /** Matrices of slices handed on, free for the next slices that are not alone. */
  readonly #free: StepMatrix[] = [];
  /** The matrices this run gave to slices that are not alone (a worker's rows are not among them). */
  readonly #held = new Set<StepMatrix>();

  constructor(readonly steps: number) {
    this.#alone = this.#fresh(0);
  }

  /** take: a matrix of at least `count` rows for a slice computed in this thread. */
  take(count: number, alone: boolean): StepMatrix {
    if (alone) {
      if (count > this.#alone.series) this.#alone = this.#fresh(count);
      return this.#alone;
    }
    const free = this.#free.findIndex((m) => m.series >= count);
    const m = free >= 0 ? this.#free.splice(free, 1)[0] : this.#fresh(count);
    this.#held.add(m);
    return m;
  }

  /** handedOn frees `m`, whose rows done() has handed on, for a later slice. */
  handedOn(m: StepMatrix): void {
    if (!this.#held.delete(m)) return;
    if (this.#free.length < MAX_WAITING) this.#free.push(m);
  }

  #fresh(n: number): StepMatrix {
    return { series: n, steps: this.steps, values: new Float64Array(n * this.steps), present: new Uint8Array(n * this.steps) };
  }
}

/** selectSource selects the series of `vs` with samples in [mint, maxt]; null when none. */
export function selectSource(ctx: EvalContext, vs: VectorSelector, mint: number, maxt: number): SeriesSource | null {
  ctx.check('query execution');
  const set = ctx.querier.select(vs.matchers, { start: mint, end: maxt });
  const n = set.series.length;
  if (n === 0) return null;
  return {
    labels: set.series.map((x) => x.labels),
    async each(visit) {
      await slices(ctx, n, (from, to) =>
        useHeld(ctx, set.load(mint, maxt, from, to), (batch) => {
          visit(batch, from);
          return batch.sampleCount;
        }),
      );
    },
    run: (spec, sink) => runSlices(ctx, set, mint, maxt, spec, sink),
  };
}

/**
 * MIN_SHARED_SAMPLES: the fewest samples worth a slice of its own when threads share a selection
 * (below, handing a slice over costs more than decoding it).
 */
const MIN_SHARED_SAMPLES = 50_000;

/**
 * START_SLICES: a selection of more than this many slices (a million samples by default) starts
 * a query worker: one costs tens of megabytes while it runs, worth it for a query that decodes
 * millions of samples, not for less.
 */
const START_SLICES = 4;

/**
 * slices calls `slice(from, to)` on consecutive slices of n series, sized to about
 * ctx.sliceSamples samples from the samples per series the slices before held (`slice` returns
 * how many its slice held), pausing between two (EvalContext.pause). When `threads` share the
 * slices, they get smaller towards the end (about two per thread of what is left, down to
 * MIN_SHARED_SAMPLES), so that a mid-sized selection is shared at all and no thread is left
 * with one long slice while the others wait.
 */
async function slices(ctx: EvalContext, n: number, slice: (from: number, to: number) => number | Promise<number>, threads: () => number = () => 1): Promise<void> {
  let from = 0, size = Math.min(n, FIRST_SLICE, Math.max(1, ctx.sliceSamples));
  while (from < n) {
    const to = Math.min(n, from + size);
    if (from > 0) await ctx.pause('query execution');
    const held = await slice(from, to);
    const perSeries = held / (to - from);
    size = perSeries > 0 ? Math.max(1, Math.floor(ctx.sliceSamples / perSeries)) : n;
    const t = threads();
    if (t > 1 && perSeries > 0) size = Math.min(size, Math.max(Math.ceil((n - to) / (2 * t)), Math.ceil(MIN_SHARED_SAMPLES / perSeries)));
    from = to;
  }
}

/** Waiting: a slice computed, or in flight in a worker, whose result is not handed on yet. */
interface Waiting {
  first: number;
  count: number;
  /** settled: the worker answered (or the slice was computed here). */
  settled: boolean;
  local?: SliceOut;
  remote?: Promise<SliceResult>;
}

/**
 * runSlices: SeriesSource.run over `set`. After its first slice, a slice goes to a query worker
 * when one is free and the set can hand it over (SeriesSet.portable); otherwise this thread loads
 * and computes it. Results are handed on in series order as slices complete.
 */
async function runSlices(ctx: EvalContext, set: SeriesSet, mint: number, maxt: number, spec: KernelSpec, sink: SliceSink): Promise<void> {
  const pool = ctx.workers;
  const waiting: Waiting[] = [];
  // A plain selector's values are not needed when the fold reads only which cells are present.
  const opts: LoadOptions | undefined = sink.valuesUnused && spec.kind === 'instant' && !spec.timestamps ? { valuesUnused: true } : undefined;
  /** here computes series [from, to) in this thread (its slot reused only when `alone`); held: the samples it loaded. */
  const here = (from: number, to: number, alone: boolean): { out: SliceOut; held: number } => {
    return useHeld(ctx, set.load(mint, maxt, from, to, opts), (batch) => ({ out: computeSlice(batch, spec, sink, from, alone), held: batch.sampleCount }));
  };
  const handOn = async (all: boolean): Promise<void> => {
    while (waiting.length > 0 && (all || waiting[0].settled || waiting.length >= MAX_WAITING)) {
      const w = waiting.shift()!;
      if (w.local) {
        sink.done(w.local, w.first, w.count);
        continue;
      }
      let r: SliceResult;
      try {
        r = await ctx.wait(w.remote!, 'query execution');
      } catch (err) {
        // A worker that went away takes its slices with it: compute them here instead.
        if (!(err instanceof WorkerLostError)) throw err;
        sink.done(here(w.first, w.first + w.count, true).out, w.first, w.count);
        continue;
      }
      ctx.hold(r.samples, 'query execution');
      try {
        sink.done(r.partial ? { partial: r.partial } : { matrix: r.matrix!, row: 0 }, w.first, w.count);
      } finally {
        ctx.release(r.samples);
      }
      pool!.recycle(r);
    }
  };
  try {
    // What the whole selection holds, estimated from its first slice: workers share only a
    // selection of twice MIN_SHARED_SAMPLES or more, and only one of more than START_SLICES
    // slices starts them.
    let estimate = 0;
    const shared = (): boolean => pool !== null && set.portable !== undefined && estimate >= Math.min(2 * MIN_SHARED_SAMPLES, ctx.sliceSamples);
    await slices(ctx, set.series.length, async (from, to) => {
      // A free worker gets the slice first; results that came back are handed on after, so a
      // worker never waits while this thread folds them.
      const portable = from > 0 && shared() && pool!.available(estimate > START_SLICES * ctx.sliceSamples) ? set.portable!(mint, maxt, from, to, opts) : null;
      if (portable) {
        const held = portableSamples(portable.load); // before run() transfers the arrays away
        const w: Waiting = { first: from, count: to - from, settled: false, remote: pool!.run(portable, spec, sink.fold?.(from, to - from)) };
        w.remote!.then(() => (w.settled = true), () => (w.settled = true));
        waiting.push(w);
        await handOn(false);
        return held;
      }
      await handOn(false);
      const alone = waiting.length === 0;
      const { out, held } = here(from, to, alone);
      if (from === 0) estimate = (held / (to - from)) * set.series.length;
      if (alone) sink.done(out, from, to - from);
      else waiting.push({ first: from, count: to - from, settled: true, local: out });
      return held;
    }, () => (shared() ? pool!.size + 1 : 1));
    await handOn(true);
  } finally {
    waiting.length = 0; // a failed query drops what is in flight; its workers' answers are ignored
  }
}

/** portableSamples: at most how many samples a portable slice decodes (before its time range cuts any). */
function portableSamples(p: PortableLoad): number {
  let n = 0;
  if (p.chunks) for (const c of p.chunks.samples) n += c;
  for (const c of p.columns) n += c.timestamps.length;
  return n;
}

/** batchSource wraps one batch already loaded (a subquery's points), visited once and released. */
export function batchSource(ctx: EvalContext, labels: Labels[], batch: SampleBatch): SeriesSource {
  const each: SeriesSource['each'] = async (visit) => {
    useHeld(ctx, batch, (b) => visit(b, 0));
  };
  return {
    labels,
    each,
    run: (spec, sink) => each((b) => sink.done(computeSlice(b, spec, sink, 0, true), 0, b.seriesCount)),
  };
}

/**
 * useHeld returns what `use` returns for `batch`, holding the batch against the query's sample
 * limit during the call and releasing it (the limit and its memory) after, whatever happens.
 */
function useHeld<T>(ctx: EvalContext, batch: SampleBatch, use: (batch: SampleBatch) => T): T {
  const held = batch.sampleCount;
  try {
    ctx.hold(held, 'query execution');
    return use(batch);
  } finally {
    ctx.release(held);
    batch.release();
  }
}

/**
 * computeSlice runs `spec` over `batch` (series first, first + 1, … of the source) in this thread,
 * into the sink's slot, and folds the rows when the sink asks for it.
 */
function computeSlice(batch: SampleBatch, spec: KernelSpec, sink: SliceSink, first: number, alone: boolean): SliceOut {
  const n = batch.seriesCount, into = sink.slot(first, n, alone), fold = sink.fold?.(first, n);
  applyKernel(batch, spec, fold ? foldSlot(into, fold) : into);
  return fold ? { partial: foldRows(into.matrix, into.row, n, fold) } : { matrix: into.matrix, row: into.row };
}
