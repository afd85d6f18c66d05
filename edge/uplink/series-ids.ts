/**
 * SeriesIds: the numbers by which the uplink names series, so that it keeps no Labels per series
 * (issue 6). Once a storage is attached (streamingStorage does it), a series' id is its storage
 * ref and its labels are built on demand from the storage's index; a storage never hands a ref
 * out twice while the process runs, so an id names one series for the life of the process. Label
 * sets offered without a ref (tests, or a re-offered series the storage no longer holds) get ids
 * from 2^32 on, kept with their Labels in a table of their own. Not safe for concurrent use.
 */
import { LabelSetTable } from '../../shared/model/label-set-table.ts';
import type { Labels } from '../../shared/model/labels.ts';
import type { SeriesRef } from '../../shared/storage/interface.ts';

/** SeriesLookup: what SeriesIds needs of a storage (Storage.seriesLabels and seriesRef). */
export interface SeriesLookup {
  seriesLabels(ref: SeriesRef): Labels | undefined;
  seriesRef(labels: Labels): SeriesRef;
}

/** OWN_BASE: ids above it are SeriesIds' own; storage refs stay below it (they are 32-bit). */
const OWN_BASE = 0x100000000;

export class SeriesIds {
  #storage: SeriesLookup | null = null;
  readonly #own = new LabelSetTable();

  /** attach makes storage refs the ids of the series `storage` holds, from now on. */
  attach(storage: SeriesLookup): void {
    this.#storage = storage;
  }

  /** of returns the id of `labels`: its storage ref, else one of SeriesIds' own. */
  of(labels: Labels): number {
    const ref = this.#storage?.seriesRef(labels) ?? 0;
    if (ref !== 0) return ref;
    let own = this.#own.get(labels);
    if (own === 0) this.#own.add(labels, (own = this.#own.size + 1));
    return OWN_BASE + own;
  }

  /**
   * idsOf returns the ids of `labels`, in order. A Labels object repeated next to itself (a series'
   * samples in a backfill share one) is looked up once.
   */
  idsOf(labels: readonly Labels[]): Float64Array {
    const ids = new Float64Array(labels.length);
    for (let i = 0; i < labels.length; i++) ids[i] = i > 0 && labels[i] === labels[i - 1] ? ids[i - 1] : this.of(labels[i]);
    return ids;
  }

  /** labels returns the set of `id`, built on demand for a storage ref; undefined when unknown. */
  labels(id: number): Labels | undefined {
    return id > OWN_BASE ? this.#own.labels(id - OWN_BASE) : this.#storage?.seriesLabels(id);
  }
}
