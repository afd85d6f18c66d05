/**
 * MemAppender: the Appender of MemStorage. It buffers (ref, t, v) in growable typed arrays and
 * crosses into WebAssembly once per commit and run: runs of samples sharing a timestamp (a
 * scrape) go through appendScrape, anything else through appendSamples, in buffer order so that
 * each series sees its samples in the order they were appended.
 */
import { AppendStatus } from '../../../core-wasm/host/index.ts';
import type { Labels } from '../../model/labels.ts';
import { AppendError, type AppendResult, type Appender, type SeriesRef } from '../interface.ts';
import type { MemStorage } from './mem-storage.ts';
import { SampleColumns } from '../sample-columns.ts';

/** Runs of at least this many samples with one timestamp go through appendScrape. */
const MIN_SCRAPE_RUN = 8;

export class MemAppender implements Appender {
  readonly #storage: MemStorage;
  readonly #cols = new SampleColumns();
  #spent = false;

  constructor(storage: MemStorage) {
    this.#storage = storage;
  }

  /**
   * append buffers one sample (see Appender.append). A timestamp that is not an integer of ms
   * throws a RangeError, a new invalid label set an InvalidLabelError, a closed storage a
   * StorageClosedError; nothing is buffered then.
   */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    if (this.#spent) throw new Error('BUG: append on an appender after commit or rollback');
    this.#storage.checkOpen('append');
    if (!Number.isSafeInteger(t)) throw new RangeError(`append ${labels}: timestamp ${t} is not an integer of ms`);
    const r = this.#storage.resolveRef(ref, labels);
    this.#cols.push(r, t, v);
    return r;
  }

  commit(): AppendResult {
    this.#spend('commit');
    this.#storage.checkOpen('commit');
    const { refs, ts, vs, n } = this.#cols;
    const core = this.#storage.core;
    const result: AppendResult = { appended: 0, errors: [] };
    let pending = 0; // start of samples not yet sent
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && ts[j] === ts[i]) j++;
      if (ts[i] < lo) lo = ts[i];
      if (ts[i] > hi) hi = ts[i];
      if (j - i >= MIN_SCRAPE_RUN) {
        if (pending < i) this.#report(result, pending, core.appendSamples(refs.subarray(pending, i), ts.subarray(pending, i), vs.subarray(pending, i)));
        this.#report(result, i, core.appendScrape(ts[i], refs.subarray(i, j), vs.subarray(i, j)));
        pending = j;
      }
      i = j;
    }
    if (pending < n) this.#report(result, pending, core.appendSamples(refs.subarray(pending, n), ts.subarray(pending, n), vs.subarray(pending, n)));
    if (result.appended > 0) this.#storage.noteAppended(result.appended, lo, hi);
    this.#release();
    return result;
  }

  rollback(): void {
    this.#spend('rollback');
    this.#release();
  }

  /** #report counts the statuses of samples [from, from + statuses.length) into `result`. */
  #report(result: AppendResult, from: number, statuses: Uint8Array): void {
    for (let k = 0; k < statuses.length; k++) {
      const s = statuses[k];
      if (s === AppendStatus.APPENDED || s === AppendStatus.DUPLICATE) {
        result.appended++;
        continue;
      }
      const i = from + k;
      const { refs, ts, vs } = this.#cols;
      const labels = this.#storage.index.labels(refs[i]);
      if (labels === undefined) throw new Error(`BUG: committed ref ${refs[i]} is not indexed`);
      if (s === AppendStatus.OUT_OF_BOUNDS) result.errors.push(new AppendError('out_of_bounds', labels, ts[i], vs[i]));
      else if (s === AppendStatus.CONFLICT) result.errors.push(new AppendError('duplicate_timestamp', labels, ts[i], vs[i]));
      else throw new Error(`BUG: unknown append status ${s}`);
    }
  }

  #spend(what: string): void {
    if (this.#spent) throw new Error(`BUG: ${what} on an appender after commit or rollback`);
    this.#spent = true;
  }

  #release(): void {
    this.#cols.release();
  }
}
