/**
 * BacklogSeries: the backlog's refs for series. A series, named by its SeriesIds id (a storage
 * ref), gets one ref for the life of the process (`base` + a slot counted from 1, above every ref
 * of the replayed log), written to the log in a series record before the first batch that uses
 * it, and again if it comes back after a fold has dropped that record from the log. Refs replayed
 * from a previous process name the series of batches still pending from before the restart; they
 * go when those batches are done. Kept per series, in typed arrays (issue 6): its id (a
 * NumberTable entry), the id of the last batch that used it, and whether its series record is in
 * the log or its labels are refused. Labels are built from the SeriesIds only to write a series
 * record, or for the encoder. A fold keeps the records of series used since the fold before it
 * (so that a steady edge does not build and log every label set again after each fold); a series
 * unused since then loses its record but keeps its slot, so that a connection, whose encoder
 * names series by backlog ref, never defines one series twice. The slots are thus bounded by the
 * series the storage holds (its head never drops one while the process runs).
 */
import type { Labels } from '../../shared/model/labels.ts';
import { grown } from '../../shared/model/grown.ts';
import { NumberTable } from '../../shared/protocol/number-table.ts';
import type { SeriesIds } from './series-ids.ts';

/** SeriesEntry: one series of a series record. */
export interface SeriesEntry {
  ref: number;
  labels: Labels;
}

/** Slot flags: its series record is in the log; its labels are refused (`refuse`). */
const LOGGED = 1, REFUSED = 2;

export class BacklogSeries {
  readonly #base: number;
  readonly #ids: SeriesIds;
  readonly #refuse: (labels: Labels) => boolean;
  /** Series id → slot. */
  readonly #table = new NumberTable();
  #slots = 0;
  /** By slot: the id of the last batch using it, and its flags. */
  #lastUse = new Float64Array(256);
  #flags = new Uint8Array(256);
  /** The done watermark of the previous fold: sets unused since are forgotten at the next. */
  #foldedAt = 0;
  /** Replayed refs still named by pending batches, and the last batch id using each. */
  readonly #old: Map<number, Labels>;
  readonly #oldLastUse: Map<number, number>;

  /**
   * `replayed` and `lastUse` are the replay's (backlog-replay.ts); the maps are taken over. `ids`
   * gives the labels of series ids; a series whose labels `refuse` holds is given no ref.
   */
  constructor(replayed: Map<number, Labels>, lastUse: Map<number, number>, ids: SeriesIds, refuse: (labels: Labels) => boolean = () => false) {
    let base = 0;
    for (const ref of replayed.keys()) base = Math.max(base, ref);
    for (const ref of lastUse.keys()) base = Math.max(base, ref);
    this.#base = base;
    this.#old = replayed;
    this.#oldLastUse = lastUse;
    this.#ids = ids;
    this.#refuse = refuse;
  }

  /**
   * use returns the ref of series `series` for batch `id`, pushing its set onto `records` when its
   * series record must be logged before the batch; 0 when its labels are refused. A series id
   * without labels is a caller bug and throws.
   */
  use(series: number, id: number, records: SeriesEntry[]): number {
    let slot = this.#table.get(series);
    let labels: Labels | undefined;
    if (slot === 0) {
      labels = this.#labelsOf(series);
      slot = ++this.#slots;
      if (slot >= this.#lastUse.length) {
        this.#lastUse = grown(this.#lastUse, slot + 1);
        this.#flags = grown(this.#flags, slot + 1);
      }
      this.#table.add(series, slot);
      this.#flags[slot] = this.#refuse(labels) ? REFUSED : 0;
    }
    this.#lastUse[slot] = id;
    const flags = this.#flags[slot];
    if ((flags & REFUSED) !== 0) return 0;
    const ref = this.#base + slot;
    if ((flags & LOGGED) === 0) {
      this.#flags[slot] = flags | LOGGED;
      records.push({ ref, labels: labels ?? this.#labelsOf(series) });
    }
    return ref;
  }

  /**
   * unlog takes back what `use` noted for `records` that will not be written (a batch that threw
   * before it was logged): their series get their records written with the next batch using them.
   */
  unlog(records: readonly SeriesEntry[]): void {
    for (const { ref } of records) this.#flags[ref - this.#base] &= ~LOGGED;
  }

  /** known: `ref` names a series (this process' or replayed) whose labels can be had. */
  known(ref: number): boolean {
    return ref > this.#base ? this.#table.key(ref - this.#base) !== undefined : this.#old.has(ref);
  }

  /** labels returns the set of a ref (this process' or replayed), or undefined when unknown. */
  labels(ref: number): Labels | undefined {
    if (ref <= this.#base) return this.#old.get(ref);
    const series = this.#table.key(ref - this.#base);
    return series === undefined ? undefined : this.#ids.labels(series);
  }

  /**
   * fold is called when the log's epochs holding only batches up to `watermark` (all done) are
   * folded into a checkpoint. Series that no batch used since the previous fold lose their series
   * record (not their ref); it returns which refs the checkpoint keeps the records of.
   */
  fold(watermark: number): (ref: number) => boolean {
    for (const ref of [...this.#old.keys()]) {
      if ((this.#oldLastUse.get(ref) ?? 0) > watermark) continue;
      this.#old.delete(ref);
      this.#oldLastUse.delete(ref);
    }
    const lastUse = this.#lastUse, flags = this.#flags;
    for (let slot = 1; slot <= this.#slots; slot++) if (lastUse[slot] <= this.#foldedAt) flags[slot] &= ~LOGGED;
    this.#foldedAt = watermark;
    const base = this.#base, old = this.#old;
    return (ref) => (ref > base ? (flags[ref - base] & LOGGED) !== 0 : old.has(ref));
  }

  #labelsOf(series: number): Labels {
    const labels = this.#ids.labels(series);
    if (labels === undefined) throw new Error(`BUG: uplink series ${series} has no labels`);
    return labels;
  }
}
