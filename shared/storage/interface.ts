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
  close(): void;
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
   * load decodes the samples of every series in the set within [mint, maxt] (default: the
   * select's range) into one SampleBatch in WebAssembly memory, in one boundary crossing per
   * chunk list. Series i of the batch is series i of the set.
   */
  load(mint?: number, maxt?: number): SampleBatch;
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
  release(): void;
}
