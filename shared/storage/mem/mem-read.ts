/**
 * MemQuerier and MemSeriesSet: reading MemStorage. Series are selected in TypeScript by the label
 * index (bounded in time by the head's `overlapping`), sorted by labels, and their samples decoded
 * by the head in one call into a batch that stays in WebAssembly memory.
 */
import type { Core } from '../../../core-wasm/host/index.ts';
import type { Matcher } from '../../model/matcher.ts';
import { labelNames, labelValues, selectRefs } from '../index/index.ts';
import type { Querier, SampleBatch, SelectHints, SeriesSet, StepMatrix, StoredSeries, SumCells } from '../interface.ts';
import type { MemStorage } from './mem-storage.ts';

export class MemQuerier implements Querier {
  readonly #storage: MemStorage;
  readonly #mint: number;
  readonly #maxt: number;
  #closed = false;

  constructor(storage: MemStorage, mint: number, maxt: number) {
    this.#storage = storage;
    this.#mint = mint;
    this.#maxt = maxt;
  }

  /**
   * select: see Querier.select. Matchers that all match '' select every series that the others
   * do not exclude (callers refuse such selectors with hasNonEmptyMatcher). With a limit, the
   * first `limit` series in label order are kept.
   */
  select(matchers: readonly Matcher[], hints: SelectHints = {}): SeriesSet {
    this.#check('select');
    const mint = hints.start ?? this.#mint;
    const maxt = hints.end ?? this.#maxt;
    const ix = this.#storage.index;
    const refs = ix.sortByLabels(selectRefs(ix, matchers, mint, maxt));
    const limit = hints.limit ?? 0;
    const n = limit > 0 ? Math.min(limit, refs.length) : refs.length;
    const series: StoredSeries[] = new Array(n);
    for (let i = 0; i < n; i++) series[i] = { labels: ix.labels(refs[i])!, ref: refs[i] };
    return new MemSeriesSet(this.#storage.core, series, mint, maxt);
  }

  /**
   * labelNames: see Querier.labelNames. Only series with samples in the range count: Prometheus
   * answers from its whole head, but drops the series its head no longer holds samples of, and
   * this head never drops series (blocks answer from their whole index: BlockQuerier).
   */
  labelNames(matchers?: readonly Matcher[]): string[] {
    this.#check('labelNames');
    return labelNames(this.#storage.index, matchers, this.#mint, this.#maxt);
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    this.#check('labelValues');
    return labelValues(this.#storage.index, name, matchers, this.#mint, this.#maxt);
  }

  /**
   * fromColumns: see Querier.fromColumns. The head's core copies the columns into a batch in its
   * memory (Core.fromColumns); invalid columns throw its CoreInputError.
   */
  fromColumns(offsets: Int32Array, timestamps: Float64Array, values: Float64Array): SampleBatch {
    this.#check('fromColumns');
    return this.#storage.core.fromColumns(offsets, timestamps, values);
  }
  /** sumRows: see Querier.sumRows (the head's core). */
  sumRows(rows: Pick<StepMatrix, 'values' | 'present'>, row: number, count: number, steps: number, groupOf: Int32Array, cells: SumCells): number {
    this.#check('sumRows');
    return this.#storage.core.sumRows(rows, row, count, steps, groupOf, cells);
  }


  close(): void {
    this.#closed = true;
  }

  #check(what: string): void {
    if (this.#closed) throw new Error(`BUG: ${what} on a closed querier`);
    this.#storage.checkOpen(what);
  }
}

/** MemSeriesSet: the series of one select; load() decodes their samples in one head call. */
export class MemSeriesSet implements SeriesSet {
  readonly series: readonly StoredSeries[];
  readonly #core: Core;
  readonly #mint: number;
  readonly #maxt: number;

  constructor(core: Core, series: readonly StoredSeries[], mint: number, maxt: number) {
    this.#core = core;
    this.series = series;
    this.#mint = mint;
    this.#maxt = maxt;
  }

  load(mint = this.#mint, maxt = this.#maxt, from = 0, to = this.series.length): SampleBatch {
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= this.series.length)) {
      throw new Error(`BUG: load series [${from}, ${to}) of a set of ${this.series.length}`);
    }
    const refs = new Uint32Array(to - from);
    for (let i = 0; i < refs.length; i++) refs[i] = this.series[from + i].ref;
    return this.#core.decode(refs, mint, maxt);
  }
}
