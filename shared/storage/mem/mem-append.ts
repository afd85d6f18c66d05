/**
 * MemAppender: the Appender of MemStorage. It buffers (ref, t, v) in growable typed arrays and
 * crosses into WebAssembly once per commit and run: runs of samples sharing a timestamp (a
 * scrape) go through appendScrape, anything else through appendSamples, in buffer order so that
 * each series sees its samples in the order they were appended. The durable TSDB's appender
 * shares the buffering (bufferAppend, bufferAppendRef) and that crossing (appendToHead).
 */
import { AppendStatus, type Core } from '../../../core-wasm/host/index.ts';
import type { Labels } from '../../model/labels.ts';
import { AppendError, type AppendResult, type Appender, type SeriesRef } from '../interface.ts';
import type { MemStorage } from './mem-storage.ts';
import { SampleColumns } from '../sample-columns.ts';

/** Runs of at least this many samples with one timestamp go through appendScrape. */
const MIN_SCRAPE_RUN = 8;

/** HeadVerdict: one AppendStatus per sample crossed, and how many of them were refused. */
export interface HeadVerdict {
  status: Uint8Array;
  refused: number;
}

/**
 * appendToHead crosses samples [0, n) of `cols` into the head of `core` (see the module comment)
 * and returns its verdict. Fast path: a batch with one timestamp (a scrape) is one appendScrape
 * call and its statuses are used as they come. Refs must be the head's.
 */
export function appendToHead(core: Core, cols: SampleColumns, n: number): HeadVerdict {
  const { refs, ts, vs } = cols;
  let status: Uint8Array;
  if (n >= MIN_SCRAPE_RUN && cols.tMin === cols.tMax) {
    status = core.appendScrape(ts[0], refs, vs, n);
  } else {
    status = new Uint8Array(n);
    let pending = 0; // start of samples not yet sent
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && ts[j] === ts[i]) j++;
      if (j - i >= MIN_SCRAPE_RUN) {
        if (pending < i) status.set(core.appendSamples(refs.subarray(pending, i), ts.subarray(pending, i), vs.subarray(pending, i)), pending);
        status.set(core.appendScrape(ts[i], refs.subarray(i, j), vs.subarray(i, j)), i);
        pending = j;
      }
      i = j;
    }
    if (pending < n) status.set(core.appendSamples(refs.subarray(pending, n), ts.subarray(pending, n), vs.subarray(pending, n)), pending);
  }
  let refused = 0;
  for (let i = 0; i < n; i++) if (status[i] > AppendStatus.DUPLICATE) refused++;
  return { status, refused };
}

/** accepted: the status is APPENDED or DUPLICATE (an exact duplicate is accepted as a no-op). */
export function accepted(status: number): boolean {
  return status <= AppendStatus.DUPLICATE;
}

/**
 * refusals appends to `errors` an AppendError for every sample [0, n) of `cols` that `verdict`
 * refused, naming its series by the index of `storage`.
 */
export function refusals(storage: MemStorage, cols: SampleColumns, n: number, verdict: HeadVerdict, errors: AppendError[]): void {
  if (verdict.refused === 0) return;
  const { refs, ts, vs } = cols;
  const status = verdict.status;
  for (let i = 0; i < n; i++) {
    const s = status[i];
    if (accepted(s)) continue;
    const labels = storage.index.labels(refs[i]);
    if (labels === undefined) throw new Error(`BUG: committed ref ${refs[i]} is not indexed`);
    if (s === AppendStatus.OUT_OF_BOUNDS) errors.push(new AppendError('out_of_bounds', labels, ts[i], vs[i]));
    else if (s === AppendStatus.CONFLICT) errors.push(new AppendError('duplicate_timestamp', labels, ts[i], vs[i]));
    else throw new Error(`BUG: unknown append status ${s}`);
  }
}

/**
 * bufferAppend is the append of MemAppender and DBAppender once they checked that they are not
 * spent and the storage is open: it checks `t` (before the series is created), resolves the
 * series, creating it when new (MemStorage.resolveRef), buffers the sample and returns its ref.
 */
export function bufferAppend(mem: MemStorage, cols: SampleColumns, ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
  checkTimestamp(t, labels);
  const r = mem.resolveRef(ref, labels);
  cols.push(r, t, v);
  return r;
}

/**
 * bufferAppendRef is their appendRef likewise: it checks `t`, then buffers the sample and returns
 * true when `ref` is a live series, else buffers nothing and returns false (0 is never live).
 */
export function bufferAppendRef(mem: MemStorage, cols: SampleColumns, ref: SeriesRef, t: number, v: number): boolean {
  checkTimestamp(t, `to series ref ${ref}`);
  if (!mem.index.has(ref)) return false;
  cols.push(ref, t, v);
  return true;
}

/** checkTimestamp throws a RangeError naming the append (`what`) when `t` is not an integer of ms. */
function checkTimestamp(t: number, what: Labels | string): void {
  if (!Number.isSafeInteger(t)) throw new RangeError(`append ${what}: timestamp ${t} is not an integer of ms`);
}

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
    this.#checkLive();
    return bufferAppend(this.#storage, this.#cols, ref, labels, t, v);
  }

  /** appendRef: see Appender.appendRef; throws like append. */
  appendRef(ref: SeriesRef, t: number, v: number): boolean {
    this.#checkLive();
    return bufferAppendRef(this.#storage, this.#cols, ref, t, v);
  }

  commit(): AppendResult {
    this.#spend('commit');
    this.#storage.checkOpen('commit');
    const cols = this.#cols;
    const n = cols.n;
    const result: AppendResult = { appended: 0, errors: [] };
    if (n > 0) {
      const verdict = appendToHead(this.#storage.core, cols, n);
      refusals(this.#storage, cols, n, verdict, result.errors);
      result.appended = n - verdict.refused;
      if (result.appended > 0) this.#storage.noteAppended(result.appended, cols.tMin, cols.tMax);
    }
    cols.release();
    return result;
  }

  rollback(): void {
    this.#spend('rollback');
    this.#cols.release();
  }

  #checkLive(): void {
    if (this.#spent) throw new Error('BUG: append on an appender after commit or rollback');
    this.#storage.checkOpen('append');
  }

  #spend(what: string): void {
    if (this.#spent) throw new Error(`BUG: ${what} on an appender after commit or rollback`);
    this.#spent = true;
  }
}
