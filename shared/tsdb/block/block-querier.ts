/**
 * BlockQuerier: the storage Querier over one Block, so the durable TSDB can merge blocks and
 * the head through one interface. Series refs are the block's series ids.
 */
import type { Core } from '../../../core-wasm/host/index.ts';
import type { Matcher } from '../../model/matcher.ts';
import { labelNames, labelValues } from '../../storage/index/index.ts';
import type { LoadOptions, Querier, SampleBatch, SelectHints, SeriesSet, StepMatrix, StoredSeries, SumCells } from '../../storage/interface.ts';
import type { Block } from './block.ts';
import type { ChunkPlan, GatheredChunks } from './gather.ts';

/**
 * GatheringSeriesSet: a SeriesSet whose series' chunks can also be gathered undecoded, so that a
 * reader over several blocks decodes them all in one call (shared/tsdb/db/db-read.ts).
 */
export interface GatheringSeriesSet extends SeriesSet {
  gather(mint?: number, maxt?: number, from?: number, to?: number): GatheredChunks;
  /** plan: the chunks gather() would copy, not copied yet (gather.ts, interleave). */
  plan(mint?: number, maxt?: number, from?: number, to?: number): ChunkPlan;
}

/** canGather tells a set of a block (whose chunks can be gathered) from others. */
export function canGather(set: SeriesSet): set is GatheringSeriesSet {
  return typeof (set as Partial<GatheringSeriesSet>).gather === 'function';
}

/** BlockQuerier: see the module comment. Closing it does not close the block. */
export class BlockQuerier implements Querier {
  readonly #block: Block;
  readonly #core: Core;
  readonly #mint: number;
  readonly #maxt: number;
  #closed = false;

  constructor(block: Block, core: Core, mint: number, maxt: number) {
    this.#block = block;
    this.#core = core;
    this.#mint = mint;
    this.#maxt = maxt;
  }

  select(matchers: readonly Matcher[], hints: SelectHints = {}): SeriesSet {
    this.#check('select');
    const mint = hints.start ?? this.#mint;
    const maxt = hints.end ?? this.#maxt;
    let ids = this.#block.select(matchers, mint, maxt);
    if (hints.limit && hints.limit > 0 && ids.length > hints.limit) ids = ids.subarray(0, hints.limit);
    const series: StoredSeries[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) series[i] = { labels: this.#block.labels(ids[i]), ref: ids[i] };
    const block = this.#block;
    const set: GatheringSeriesSet = {
      series,
      load(lo = mint, hi = maxt, from = 0, to = ids.length, opts?: LoadOptions): SampleBatch {
        return block.load(ids.subarray(from, to), lo, hi, opts?.valuesUnused);
      },
      gather(lo = mint, hi = maxt, from = 0, to = ids.length): GatheredChunks {
        return block.gather(ids.subarray(from, to), lo, hi);
      },
      plan(lo = mint, hi = maxt, from = 0, to = ids.length): ChunkPlan {
        return block.plan(ids.subarray(from, to), lo, hi);
      },
    };
    return set;
  }

  /**
   * labelNames: see Querier.labelNames. As in Prometheus, a block answers from its index alone:
   * when the block overlaps the querier's range, every series of it counts, whatever its
   * samples' times; otherwise none does.
   */
  labelNames(matchers?: readonly Matcher[]): string[] {
    this.#check('labelNames');
    return this.#overlaps() ? labelNames(this.#block.index, matchers) : [];
  }

  /** labelValues: see Querier.labelValues; from the block's index alone, as labelNames. */
  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    this.#check('labelValues');
    return this.#overlaps() ? labelValues(this.#block.index, name, matchers) : [];
  }

  fromColumns(offsets: Int32Array, timestamps: Float64Array, values: Float64Array): SampleBatch {
    this.#check('fromColumns');
    return this.#core.fromColumns(offsets, timestamps, values);
  }
  sumRows(rows: Pick<StepMatrix, 'values' | 'present'>, row: number, count: number, steps: number, groupOf: Int32Array, cells: SumCells): number {
    this.#check('sumRows');
    return this.#core.sumRows(rows, row, count, steps, groupOf, cells);
  }


  close(): void {
    this.#closed = true;
  }

  /** #overlaps: whether the block's [minTime, maxTime) meets the querier's [mint, maxt]. */
  #overlaps(): boolean {
    const { minTime, maxTime } = this.#block.meta;
    return minTime <= this.#maxt && this.#mint < maxTime;
  }

  #check(what: string): void {
    if (this.#closed) throw new Error(`BUG: ${what} on a closed block querier`);
  }
}
