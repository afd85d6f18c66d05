/**
 * streamingStorage: the seam between the edge's scraper and its uplink. It wraps the edge's
 * durable Storage so that every commit is also offered to the uplink, without the scraper
 * knowing: its appender forwards each append to the storage's own appender and keeps the sample
 * by its storage ref, and after the storage's commit it offers the samples the storage kept
 * (refused ones left out) to the uplink, one offer per timestamp (a scrape's samples share one),
 * or as one backfill when a commit carries many timestamps. The uplink names series by those refs
 * and asks the storage for their labels only when it writes them out (issue 6: no Labels per
 * series). Reads, flush and close go to the storage untouched.
 */
import type { Labels } from '../../shared/model/labels.ts';
import type { AppendResult, Appender, Querier, SeriesRef, Storage } from '../../shared/storage/interface.ts';
import { SampleColumns } from '../../shared/storage/sample-columns.ts';
import { pick } from './pick.ts';
import type { SeriesLookup } from './series-ids.ts';

/**
 * UplinkSink: the part of the Uplink the wrapper feeds. `seriesFrom` is called once, with the
 * storage whose refs later offers name. Neither offer may throw (the storage has committed by
 * then): a failure, a closed uplink included, rejects.
 */
export interface UplinkSink {
  seriesFrom(storage: SeriesLookup): void;
  offerRefs(t: number, refs: Float64Array, values: Float64Array): Promise<void>;
  backfillRefs(refs: Float64Array, timestamps: Float64Array, values: Float64Array): Promise<void>;
}

/** MAX_GROUPS: a commit with more distinct timestamps than this is offered as one backfill. */
export const MAX_GROUPS = 8;

/**
 * streamingStorage returns a Storage whose commits reach `storage` first and then `sink`. The
 * storage must give labels by ref (Storage.seriesLabels and seriesRef). The sink's promises are
 * observed here (the uplink logs its own failures); a commit's result is the storage's own,
 * `durable` included. The wrapper owns nothing: closing it closes `storage`.
 */
export function streamingStorage(storage: Storage, sink: UplinkSink): Storage {
  const { seriesLabels, seriesRef } = storage;
  if (seriesLabels === undefined || seriesRef === undefined) throw new Error('BUG: streamingStorage needs a storage that gives labels by ref');
  const lookup: SeriesLookup = { seriesLabels: (ref) => seriesLabels.call(storage, ref), seriesRef: (labels) => seriesRef.call(storage, labels) };
  sink.seriesFrom(lookup);
  return {
    appender: () => new StreamingAppender(storage.appender(), sink, lookup),
    querier: (mint: number, maxt: number): Querier => storage.querier(mint, maxt),
    close: () => storage.close(),
    flush: () => (storage.flush ? storage.flush() : Promise.resolve()),
    seriesLabels: lookup.seriesLabels,
    seriesRef: lookup.seriesRef,
  };
}

const ignore = () => undefined;

const bitsOf = new Float64Array(1);
const bitsHalves = new Uint32Array(bitsOf.buffer);

/** sampleKey names one sample by series ref, timestamp and the exact bits of its value. */
function sampleKey(ref: number, t: number, v: number): string {
  bitsOf[0] = v;
  return `${ref}:${t}:${bitsHalves[0]}:${bitsHalves[1]}`;
}

/**
 * StreamingAppender: see streamingStorage. Refs, timestamps and values wait in pooled columns.
 * Not safe for concurrent use, like every Appender.
 */
class StreamingAppender implements Appender {
  readonly #inner: Appender;
  readonly #sink: UplinkSink;
  readonly #lookup: SeriesLookup;
  readonly #cols = new SampleColumns();

  constructor(inner: Appender, sink: UplinkSink, lookup: SeriesLookup) {
    this.#inner = inner;
    this.#sink = sink;
    this.#lookup = lookup;
  }

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    const r = this.#inner.append(ref, labels, t, v);
    this.#cols.push(r, t, v);
    return r;
  }

  /** appendRef: see Appender.appendRef; false when the storage's appender has none. */
  appendRef(ref: SeriesRef, t: number, v: number): boolean {
    if (this.#inner.appendRef === undefined || !this.#inner.appendRef(ref, t, v)) return false;
    this.#cols.push(ref, t, v);
    return true;
  }

  commit(): AppendResult {
    const result = this.#inner.commit();
    try {
      if (this.#cols.n > 0) this.#offer(result);
    } finally {
      this.#cols.release();
    }
    return result;
  }

  rollback(): void {
    this.#inner.rollback();
    this.#cols.release();
  }

  /** #offer hands the kept samples to the sink; what it passes on is copied out of the columns. */
  #offer(result: AppendResult): void {
    const cols = this.#cols;
    let n = cols.n;
    let refs: Float64Array = Float64Array.from(cols.refs.subarray(0, n));
    let ts: Float64Array = cols.ts.subarray(0, n), vs: Float64Array = cols.vs.subarray(0, n);
    if (result.errors.length > 0) {
      // Slow path: leave out what storage refused (rare: duplicates, out of bounds). A commit may
      // hold two samples of one series at one timestamp (two page lines relabelled to one series):
      // the storage keeps one and refuses the other, so a refused sample is told by its value bits
      // too, and each error leaves out one sample only.
      const refused = new Map<string, number>();
      for (const e of result.errors) {
        const key = sampleKey(this.#lookup.seriesRef(e.labels), e.t, e.v);
        refused.set(key, (refused.get(key) ?? 0) + 1);
      }
      const keep: number[] = [];
      for (let i = 0; i < n; i++) {
        const key = sampleKey(refs[i], ts[i], vs[i]);
        const left = refused.get(key) ?? 0;
        if (left === 0) keep.push(i);
        else refused.set(key, left - 1);
      }
      refs = pick(refs, keep);
      ts = pick(ts, keep);
      vs = pick(vs, keep);
      n = keep.length;
      if (n === 0) return;
    }
    // Fast path: one timestamp, the scrape's.
    const t0 = ts[0];
    let distinct: number[] | null = null;
    if (cols.tMin !== cols.tMax) {
      for (let i = 1; i < n; i++) {
        if (ts[i] === t0) continue;
        distinct ??= [t0];
        if (!distinct.includes(ts[i])) distinct.push(ts[i]);
        if (distinct.length > MAX_GROUPS) break;
      }
    }
    if (distinct === null) {
      this.#sink.offerRefs(t0, refs, vs.slice()).catch(ignore);
    } else if (distinct.length > MAX_GROUPS) {
      this.#sink.backfillRefs(refs, ts.slice(), vs.slice()).catch(ignore);
    } else {
      for (const t of distinct.sort((a, b) => a - b)) {
        const idx: number[] = [];
        for (let i = 0; i < n; i++) if (ts[i] === t) idx.push(i);
        this.#sink.offerRefs(t, pick(refs, idx), pick(vs, idx)).catch(ignore);
      }
    }
  }
}
