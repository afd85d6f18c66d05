/**
 * SeriesTable: the series a backfill has met, by the text of their sample lines, as dense ids
 * with their labels. Two spellings of one label set (labels in another order) get one id. Keys
 * and labels are stored as flat copies, so no series keeps a piece of the input alive.
 */
import { Labels } from '../../model/labels.ts';

/** Estimated bytes of TypeScript memory per series beyond its strings (map entries, arrays). */
const SERIES_OVERHEAD_BYTES = 200;

export class SeriesTable {
  readonly labels: Labels[] = [];
  readonly #byText = new Map<string, number>();
  readonly #byKey = new Map<string, number>();
  #rank: Uint32Array | undefined;
  /** An estimate of the memory the table takes. */
  bytes = 0;

  get size(): number {
    return this.labels.length;
  }

  /** get returns the id of the series written as `text`, or undefined if new. */
  get(text: string): number | undefined {
    return this.#byText.get(text);
  }

  /** add records `text` as a spelling of `labels` and returns the series' id (new or existing). */
  add(text: string, labels: Labels): number {
    const flat = labels.flat.map(flatCopy);
    const own = Labels.fromSortedFlat(flat);
    const key = own.key();
    let id = this.#byKey.get(key);
    if (id === undefined) {
      id = this.labels.length;
      this.labels.push(own);
      this.#byKey.set(key, id);
      this.#rank = undefined;
      this.bytes += key.length * 4 + SERIES_OVERHEAD_BYTES;
    }
    this.#byText.set(flatCopy(text), id);
    this.bytes += text.length * 2 + SERIES_OVERHEAD_BYTES;
    return id;
  }

  /** rank returns each id's position in label order (recomputed after series were added). */
  rank(): Uint32Array {
    if (this.#rank) return this.#rank;
    const ids = Array.from({ length: this.labels.length }, (_, i) => i);
    ids.sort((a, b) => this.labels[a].compare(this.labels[b]));
    const rank = new Uint32Array(ids.length);
    ids.forEach((id, r) => (rank[id] = r));
    return (this.#rank = rank);
  }
}

/** flatCopy makes V8 materialise a string of its own instead of a slice of a larger one. */
function flatCopy(s: string): string {
  return (' ' + s).slice(1);
}
