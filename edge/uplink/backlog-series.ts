/**
 * BacklogSeries: the backlog's refs for label sets. A set gets one ref for the life of the process
 * (`base` + a slot counted from 1, above every ref of the replayed log), written to the log in a
 * series record before the first batch that uses it, and again after a fold has dropped that
 * record from the log. Refs replayed from a previous process name the series of batches still
 * pending from before the restart; they go when those batches are done. Kept per series: an
 * entry of a LabelSetTable (the Labels object is the caller's, shared, never copied), the id of
 * the last batch that used it, and whether its series record is in the log. A set unused since
 * the fold before last is forgotten; it gets a new ref if it comes back.
 */
import type { Labels } from '../../shared/model/labels.ts';
import { LabelSetTable } from '../../shared/model/label-set-table.ts';

/** SeriesEntry: one series of a series record. */
export interface SeriesEntry {
  ref: number;
  labels: Labels;
}

export class BacklogSeries {
  readonly #base: number;
  readonly #table = new LabelSetTable();
  #slots = 0;
  /** By slot: the id of the last batch using it, and 1 while its series record is in the log. */
  #lastUse = new Float64Array(256);
  #logged = new Uint8Array(256);
  /** The done watermark of the previous fold: sets unused since are forgotten at the next. */
  #foldedAt = 0;
  /** Replayed refs still named by pending batches, and the last batch id using each. */
  readonly #old: Map<number, Labels>;
  readonly #oldLastUse: Map<number, number>;

  /** `replayed` and `lastUse` are the replay's (backlog-replay.ts); the maps are taken over. */
  constructor(replayed: Map<number, Labels>, lastUse: Map<number, number>) {
    let base = 0;
    for (const ref of replayed.keys()) base = Math.max(base, ref);
    for (const ref of lastUse.keys()) base = Math.max(base, ref);
    this.#base = base;
    this.#old = replayed;
    this.#oldLastUse = lastUse;
  }

  /**
   * use returns the ref of `labels` for batch `id`, pushing the set onto `records` when its
   * series record must be logged before the batch.
   */
  use(labels: Labels, id: number, records: SeriesEntry[]): number {
    let slot = this.#table.get(labels);
    if (slot === 0) {
      slot = ++this.#slots;
      if (slot === this.#lastUse.length) this.#grow();
      this.#table.add(labels, slot);
    }
    const ref = this.#base + slot;
    if (this.#logged[slot] === 0) {
      this.#logged[slot] = 1;
      records.push({ ref, labels });
    }
    this.#lastUse[slot] = id;
    return ref;
  }

  /** labels returns the set of a ref (this process' or replayed), or undefined when forgotten. */
  labels(ref: number): Labels | undefined {
    return ref > this.#base ? this.#table.labels(ref - this.#base) : this.#old.get(ref);
  }

  /**
   * fold is called when the log's epochs holding only batches up to `watermark` (all done) are
   * folded into a checkpoint. Series no batch after the watermark uses lose their series record
   * (logged again on next use); it returns which refs the checkpoint keeps the records of.
   */
  fold(watermark: number): (ref: number) => boolean {
    for (const ref of [...this.#old.keys()]) {
      if ((this.#oldLastUse.get(ref) ?? 0) > watermark) continue;
      this.#old.delete(ref);
      this.#oldLastUse.delete(ref);
    }
    const lastUse = this.#lastUse, logged = this.#logged;
    for (let slot = 1; slot <= this.#slots; slot++) {
      if (lastUse[slot] > watermark) continue;
      logged[slot] = 0;
      if (lastUse[slot] <= this.#foldedAt) this.#table.delete(slot);
    }
    this.#foldedAt = watermark;
    const base = this.#base, old = this.#old;
    return (ref) => (ref > base ? logged[ref - base] === 1 : old.has(ref));
  }

  #grow(): void {
    const lastUse = new Float64Array(this.#lastUse.length * 2), logged = new Uint8Array(this.#logged.length * 2);
    lastUse.set(this.#lastUse);
    logged.set(this.#logged);
    this.#lastUse = lastUse;
    this.#logged = logged;
  }
}
