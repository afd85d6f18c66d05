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

/** Runs of at least this many samples with one timestamp go through appendScrape. */
const MIN_SCRAPE_RUN = 8;

/**
 * Released sample buffers, reused by the next appender: a scrape's appender would otherwise grow
 * fresh typed arrays from 64 entries on every commit. A few sets are kept; more are dropped.
 */
interface SampleBuffers {
  refs: Uint32Array;
  ts: Float64Array;
  vs: Float64Array;
}
const spareBuffers: SampleBuffers[] = [];
const MAX_SPARE_BUFFERS = 4;

function takeBuffers(): SampleBuffers {
  // Fast path: a set released by an earlier appender. Slow path: a new small one.
  return spareBuffers.pop() ?? { refs: new Uint32Array(64), ts: new Float64Array(64), vs: new Float64Array(64) };
}

function giveBuffers(b: SampleBuffers): void {
  if (b.refs.length > 0 && spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(b);
}

export class MemAppender implements Appender {
  readonly #storage: MemStorage;
  #refs: Uint32Array;
  #ts: Float64Array;
  #vs: Float64Array;
  #n = 0;
  #spent = false;

  constructor(storage: MemStorage) {
    this.#storage = storage;
    const b = takeBuffers();
    this.#refs = b.refs;
    this.#ts = b.ts;
    this.#vs = b.vs;
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
    const n = this.#n;
    if (n === this.#refs.length) this.#grow();
    this.#refs[n] = r;
    this.#ts[n] = t;
    this.#vs[n] = v;
    this.#n = n + 1;
    return r;
  }

  commit(): AppendResult {
    this.#spend('commit');
    this.#storage.checkOpen('commit');
    const refs = this.#refs, ts = this.#ts, vs = this.#vs, n = this.#n;
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
      const labels = this.#storage.index.labels(this.#refs[i]);
      if (labels === undefined) throw new Error(`BUG: committed ref ${this.#refs[i]} is not indexed`);
      if (s === AppendStatus.OUT_OF_BOUNDS) result.errors.push(new AppendError('out_of_bounds', labels, this.#ts[i], this.#vs[i]));
      else if (s === AppendStatus.CONFLICT) result.errors.push(new AppendError('duplicate_timestamp', labels, this.#ts[i], this.#vs[i]));
      else throw new Error(`BUG: unknown append status ${s}`);
    }
  }

  #spend(what: string): void {
    if (this.#spent) throw new Error(`BUG: ${what} on an appender after commit or rollback`);
    this.#spent = true;
  }

  #release(): void {
    giveBuffers({ refs: this.#refs, ts: this.#ts, vs: this.#vs });
    this.#refs = new Uint32Array(0);
    this.#ts = this.#vs = new Float64Array(0);
    this.#n = 0;
  }

  #grow(): void {
    const cap = this.#refs.length * 2;
    const refs = new Uint32Array(cap), ts = new Float64Array(cap), vs = new Float64Array(cap);
    refs.set(this.#refs);
    ts.set(this.#ts);
    vs.set(this.#vs);
    this.#refs = refs;
    this.#ts = ts;
    this.#vs = vs;
  }
}
