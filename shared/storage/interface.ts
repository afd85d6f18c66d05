/**
 * The storage interface: the one contract that scraping, ingest, PromQL, rules and the HTTP API
 * use to write and read samples. The in-memory TSDB and the durable TSDB both implement it and
 * both pass the shared suite in test/storage/suite.ts. (Prometheus `storage/interface.go`.)
 *
 * Writes are buffered in TypeScript and cross into WebAssembly once per commit. Reads select
 * series by matchers in TypeScript, then decode all their samples in one call into columns that
 * stay in WebAssembly memory, where the PromQL kernels read them.
 */
import type { Labels } from '../model/labels.ts';
import type { Matcher } from '../model/matcher.ts';

/**
 * SeriesRef: a storage's numeric handle for a series, stable for the life of the storage
 * process. 0 means "unknown": pass it on the first append of a label set.
 */
export type SeriesRef = number;

/** Storage: something that can be written and read. */
export interface Storage extends Appendable, Queryable {
  /** close releases the storage; it must not be used afterwards. */
  close(): Promise<void>;
  /**
   * flush resolves when everything committed so far survives a restart under the storage's fsync
   * policy, and rejects like AppendResult.durable when it could not be written. Optional for
   * storages that predate it; absent means there is nothing to wait for.
   */
  flush?(): Promise<void>;
  /**
   * seriesLabels returns the labels of the live series `ref` (a ref an append returned), built on
   * demand, or undefined when the storage holds no such series. seriesRef returns the ref of the
   * live series with exactly `labels`, or 0. Refs are never handed out twice while the storage is
   * open, and a ref an append handed out stays resolvable (seriesLabels gives its labels) until
   * the storage is closed: the edge's uplink names series by ref long after their appends.
   * Optional: a caller that keeps refs instead of Labels (the edge's uplink) needs them.
   */
  seriesLabels?(ref: SeriesRef): Labels | undefined;
  seriesRef?(labels: Labels): SeriesRef;
}

export interface Appendable {
  /** appender starts a batch of writes. Appenders are not safe for concurrent use; take one each. */
  appender(): Appender;
}

/**
 * Appender buffers samples until commit. A sample is accepted or refused only at commit, when
 * the batch crosses into the TSDB in one call: the result says what was refused and why.
 */
export interface Appender {
  /**
   * append buffers one float sample. `ref` is the value an earlier append returned for the same
   * labels (a scrape cache keeps it), or 0; when it is 0 or unknown to the storage, `labels`
   * identifies the series and a new ref is returned. Label sets must be valid (see
   * shared/model/validate.ts). t is Unix milliseconds.
   */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef;
  /**
   * appendRef buffers one float sample for the live series `ref` (a value an earlier append
   * returned) and returns true, without labels. It returns false and buffers nothing when `ref`
   * is 0 or no longer names a live series (a storage may drop series that have no samples left):
   * the caller then appends with the labels. Otherwise it throws as append does. Optional: an
   * appender without it takes every sample through append.
   */
  appendRef?(ref: SeriesRef, t: number, v: number): boolean;
  /** commit writes the buffered samples and reports those refused. The appender is then spent. */
  commit(): AppendResult;
  /** rollback discards the buffered samples. The appender is then spent. */
  rollback(): void;
}

/** AppendResult: what a commit stored and what it refused, sample by sample. */
export interface AppendResult {
  /** Samples written (exact duplicates count here: they are accepted as no-ops). */
  appended: number;
  /** Refused samples; empty when everything was accepted. */
  errors: AppendError[];
  /**
   * durable settles when the committed samples survive a restart under the storage's fsync
   * policy: resolved at once by storages without persistence, rejected (never unobserved) when
   * they could not be written. Optional for storages that predate it; absent means durable now.
   * Callers that acknowledge data to someone else (the hub's ingest, the edge's uplink) wait for
   * it; the scraper may ignore it.
   */
  readonly durable?: Promise<void>;
}

/** Why a sample was refused. */
export type AppendErrorReason =
  /** Older than the series' newest sample by more than the out-of-order window. */
  | 'out_of_bounds'
  /** Same timestamp as a stored sample but a different value. */
  | 'duplicate_timestamp';

/** AppendError names one refused sample. It is data, not thrown: batches go on past it. */
export class AppendError extends Error {
  constructor(
    readonly reason: AppendErrorReason,
    readonly labels: Labels,
    readonly t: number,
    readonly v: number,
  ) {
    super(
      reason === 'out_of_bounds'
        ? `out of bounds: sample at ${t} for ${labels} is older than the out-of-order window allows`
        : `duplicate sample for timestamp ${t} with a different value for ${labels}`,
    );
    this.name = 'AppendError';
  }
}

export interface Queryable {
  /** querier reads series with samples in [mint, maxt] (Unix ms, both inclusive). */
  querier(mint: number, maxt: number): Querier;
}

/** SelectHints: what a caller will do with the data, so storage can skip work. */
export interface SelectHints {
  /** Overrides the querier's time range for this select. */
  start?: number;
  end?: number;
  /** At most this many series; 0 or absent means no limit. */
  limit?: number;
}

/** Querier reads one time range. Close it when done: it may pin memory. */
export interface Querier {
  /**
   * select returns the series that match every matcher and have samples in the range, sorted by
   * labels. An empty matcher list is an error for callers to avoid (it would select everything).
   */
  select(matchers: readonly Matcher[], hints?: SelectHints): SeriesSet;
  /** labelNames returns the sorted label names of the series that match (all series if none given). */
  labelNames(matchers?: readonly Matcher[]): string[];
  /** labelValues returns the sorted values of `name` over the series that match. */
  labelValues(name: string, matchers?: readonly Matcher[]): string[];
  /**
   * fromColumns copies samples computed outside storage (a subquery's points) into a SampleBatch
   * in the same WebAssembly memory, so the range kernels can run on them. Same layout as
   * SampleBatch: series i owns [offsets[i], offsets[i+1]) of the columns, in time order.
   */
  fromColumns(offsets: Int32Array, timestamps: Float64Array, values: Float64Array): SampleBatch;
  /**
   * sumRows folds rows [row, row + count) of a step matrix (`steps` cells each) into running sums
   * in that WebAssembly memory's kernels, as PromQL's `sum` adds: row i goes to group groupOf[i]
   * (−1: skipped) of `cells`, cell by cell with Prometheus' compensation, rows in order. Returns
   * how many present cells it folded.
   */
  sumRows(rows: Pick<StepMatrix, 'values' | 'present'>, row: number, count: number, steps: number, groupOf: Int32Array, cells: SumCells): number;
  close(): void;
}

/** SumCells: running sums of groups, `steps` cells each (group g from cell g·steps), and where any value was added. */
export interface SumCells {
  readonly sums: Float64Array;
  readonly comps: Float64Array;
  readonly seen: Uint8Array;
}

/** StoredSeries: one selected series. */
export interface StoredSeries {
  readonly labels: Labels;
  readonly ref: SeriesRef;
}

/** SeriesSet: the result of a select. Its samples are loaded on demand, all at once. */
export interface SeriesSet {
  readonly series: readonly StoredSeries[];
  /**
   * load decodes the samples of series [from, to) of the set (default: all of them) within
   * [mint, maxt] (default: the select's range) into one SampleBatch in WebAssembly memory, in one
   * boundary crossing per chunk list. Series i of the batch is series from + i of the set. Loading
   * a large set in slices bounds the memory one batch takes.
   */
  load(mint?: number, maxt?: number, from?: number, to?: number, opts?: LoadOptions): SampleBatch;
  /**
   * portable: what load(mint, maxt, from, to) would decode, as plain arrays another thread can
   * take over and decode there (shared/tsdb/db/slice-load.ts: decodePortable), or null when
   * the set has nothing to hand over (nothing of the slice is in encoded chunks, so decoding is
   * no work to share). Optional: sets without it are always loaded where they are read.
   */
  portable?(mint: number, maxt: number, from: number, to: number, opts?: LoadOptions): PortableSlice | null;
}

/** LoadOptions: what a reader of SeriesSet.load or portable needs, so a source may do less. */
export interface LoadOptions {
  /**
   * valuesUnused: the reader uses only the samples' times and which of them are staleness
   * markers (an instant selector that `count` or `group` aggregates). A source may then give 0
   * for every other value (dense block chunks skip decoding them).
   */
  readonly valuesUnused?: boolean;
}

/** Columns: samples of several series, series i owning [offsets[i], offsets[i + 1]), in time order. */
export interface Columns {
  readonly offsets: Int32Array;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

/**
 * PortableLoad: one slice of a selection, to be decoded into a batch of `seriesCount` series
 * within [mint, maxt]: encoded chunks (Core.decodeChunks' input, series by series; null when
 * there are none) and the columns of sources already decoded (the head), joined by
 * Core.mergeBatches' `parts` and `partStarts` when there is more than one source, the chunks'
 * batch being source 0 (null when the chunks alone are the slice). Every array is its own
 * buffer, so it can be transferred.
 */
export interface PortableLoad {
  readonly seriesCount: number;
  readonly mint: number;
  readonly maxt: number;
  readonly chunks: { readonly data: Uint8Array; readonly offsets: Uint32Array; readonly starts: Uint32Array; readonly samples: Uint32Array } | null;
  readonly columns: readonly Columns[];
  readonly parts: Uint32Array | null;
  readonly partStarts: Uint32Array | null;
  /** valuesUnused: as LoadOptions.valuesUnused. */
  readonly valuesUnused?: boolean;
}

/** PortableSlice: a PortableLoad, and how to name the chunk behind a decoding error of chunk j. */
export interface PortableSlice {
  readonly load: PortableLoad;
  corruption(chunk: number, err: Error & { readonly chunkIndex: number }): Error;
}

/**
 * SampleBatch: columns of samples in WebAssembly memory. Series i occupies sample indexes
 * [offsets[i], offsets[i+1]) of `timestamps` and `values`, in time order. The typed arrays are
 * views that go stale when WebAssembly memory grows, so each getter returns a fresh view: take
 * them after the last call that may allocate, and do not keep them. The pointers (byte offsets
 * in WebAssembly memory) are what kernels take. release() frees the columns; the batch must not
 * be used afterwards.
 */
export interface SampleBatch {
  readonly seriesCount: number;
  readonly sampleCount: number;
  offsets(): Int32Array;
  timestamps(): Float64Array;
  values(): Float64Array;
  readonly offsetsPtr: number;
  readonly timestampsPtr: number;
  readonly valuesPtr: number;
  /** The PromQL kernels, run in the WebAssembly memory that holds this batch. */
  readonly kernels: BatchKernels;
  release(): void;
}

/** StepGrid: the evaluation times start, start + step, …, steps of them (Unix ms). */
export interface StepGrid {
  start: number;
  step: number;
  steps: number;
}

/**
 * StepMatrix: one value per series per step, row-major: series i at step j is index
 * i * steps + j. present[k] is 1 where a value exists (a value may itself be NaN). `timestamps`,
 * where given, holds the time of the sample each value came from (for `timestamp()`). The arrays
 * are copies owned by the caller.
 */
export interface StepMatrix {
  series: number;
  steps: number;
  values: Float64Array;
  present: Uint8Array;
  timestamps?: Float64Array;
}

/**
 * MatrixSlot: where a kernel writes its result instead of new arrays: rows [row, row + series)
 * of `matrix`, whose steps are the call's. `instant` fills timestamps only if the matrix has them.
 */
export interface MatrixSlot {
  matrix: StepMatrix;
  row: number;
  /** presentOnly: only `present` is written (a consumer that counts values and reads none: count, group). */
  presentOnly?: boolean;
  /** sum: instead of writing the rows into `matrix`, fold them into running sums where they are computed. */
  sum?: RowSum;
}

/**
 * RowSum: a kernel's rows folded into running sums in the kernel's WebAssembly memory, as
 * Querier.sumRows folds them: `groupOf(present)` gets the rows' present flags (a view valid only
 * during that call) and returns each row's group (−1: skipped); `cells()` then gives the sums
 * (asked after groupOf, which may grow them). The kernel sets `folded` to the present cells it
 * folded.
 */
export interface RowSum {
  groupOf(present: Uint8Array): Int32Array;
  cells(): SumCells;
  folded?: number;
}

/** RangeFunction: the PromQL functions over range vectors that run as kernels. */
export type RangeFunction =
  | 'rate' | 'increase' | 'delta' | 'irate' | 'idelta' | 'resets' | 'changes' | 'deriv' | 'predict_linear'
  | 'avg_over_time' | 'min_over_time' | 'max_over_time' | 'sum_over_time' | 'count_over_time'
  | 'quantile_over_time' | 'stddev_over_time' | 'stdvar_over_time' | 'last_over_time' | 'first_over_time'
  | 'present_over_time' | 'mad_over_time' | 'ts_of_min_over_time' | 'ts_of_max_over_time'
  | 'ts_of_last_over_time' | 'ts_of_first_over_time' | 'double_exponential_smoothing';

/**
 * BatchKernels: PromQL's selector and range-function evaluation over a SampleBatch's columns, one
 * call per selector or function for all series and all steps (../shared/DESIGN.md: cross in
 * batches, keep samples inside). Semantics are Prometheus 3's: windows are left-open, (t - range, t].
 */
export interface BatchKernels {
  /**
   * instant: for each series and step t, the newest sample in (t - lookbackMs, t], absent when
   * there is none or it is a staleness marker; `timestamps` gives that sample's time.
   */
  instant(grid: StepGrid, lookbackMs: number, into?: MatrixSlot): StepMatrix;
  /**
   * range: `fn` over the samples in (t - rangeMs, t] of each series at each step, staleness
   * markers excluded; absent where the function has no value (e.g. rate with fewer than two
   * samples). `params` holds the function's scalar arguments, one array of `steps` values per
   * argument in PromQL order (quantile_over_time's q, predict_linear's t,
   * double_exponential_smoothing's sf and tf). With `into`, both write there and return its matrix.
   */
  range(fn: RangeFunction, grid: StepGrid, rangeMs: number, params?: readonly Float64Array[], into?: MatrixSlot): StepMatrix;
}
