/**
 * streamingStorage: the seam between the edge's scraper and its uplink. It wraps the edge's
 * durable Storage so that every commit is also offered to the uplink, without the scraper
 * knowing: its appender forwards each append to the storage's own appender and keeps the sample,
 * and after the storage's commit it offers the samples the storage kept (refused ones left out)
 * to the uplink, one offer per timestamp (a scrape's samples share one), or as one backfill when
 * a commit carries many timestamps. Reads, flush and close go to the storage untouched.
 */
import type { Labels } from '../../shared/model/labels.ts';
import type { AppendResult, Appender, Querier, SeriesRef, Storage } from '../../shared/storage/interface.ts';
import { SampleColumns } from '../../shared/storage/sample-columns.ts';

/** UplinkSink: the part of the Uplink the wrapper feeds. Neither call may throw for a closed uplink. */
export interface UplinkSink {
  offer(t: number, labels: readonly Labels[], values: Float64Array): Promise<void>;
  backfill(labels: readonly Labels[], timestamps: Float64Array, values: Float64Array): Promise<void>;
}

/** MAX_GROUPS: a commit with more distinct timestamps than this is offered as one backfill. */
export const MAX_GROUPS = 8;

/**
 * streamingStorage returns a Storage whose commits reach `storage` first and then `sink`. The
 * sink's promises are observed here (the uplink logs its own failures); a commit's result is the
 * storage's own, `durable` included. The wrapper owns nothing: closing it closes `storage`.
 */
export function streamingStorage(storage: Storage, sink: UplinkSink): Storage {
  return {
    appender: () => new StreamingAppender(storage.appender(), sink),
    querier: (mint: number, maxt: number): Querier => storage.querier(mint, maxt),
    close: () => storage.close(),
    flush: () => (storage.flush ? storage.flush() : Promise.resolve()),
  };
}

const ignore = () => undefined;

/**
 * StreamingAppender: see streamingStorage. Timestamps and values wait in pooled columns (their
 * refs column unused), labels in an array handed to the sink. Not safe for concurrent use,
 * like every Appender.
 */
class StreamingAppender implements Appender {
  readonly #inner: Appender;
  readonly #sink: UplinkSink;
  #labels: Labels[] = [];
  readonly #cols = new SampleColumns();

  constructor(inner: Appender, sink: UplinkSink) {
    this.#inner = inner;
    this.#sink = sink;
  }

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    const r = this.#inner.append(ref, labels, t, v);
    this.#labels.push(labels);
    this.#cols.push(0, t, v); // the refs column is not read here (and a storage ref may not fit its 32 bits)
    return r;
  }

  commit(): AppendResult {
    const result = this.#inner.commit();
    try {
      if (this.#cols.n > 0) this.#offer(result);
    } finally {
      this.#release();
    }
    return result;
  }

  rollback(): void {
    this.#inner.rollback();
    this.#release();
  }

  #release(): void {
    this.#labels = [];
    this.#cols.release();
  }

  /** #offer hands the kept samples to the sink; what it passes on is copied out of the columns. */
  #offer(result: AppendResult): void {
    const cols = this.#cols;
    let n = cols.n;
    let labels = this.#labels;
    let ts: Float64Array = cols.ts.subarray(0, n), vs: Float64Array = cols.vs.subarray(0, n);
    if (result.errors.length > 0) {
      // Slow path: leave out what storage refused (rare: duplicates, out of bounds).
      const refused = new Set<string>();
      for (const e of result.errors) refused.add(`${e.labels.key()}\xff${e.t}`);
      const keep: number[] = [];
      for (let i = 0; i < n; i++) if (!refused.has(`${labels[i].key()}\xff${ts[i]}`)) keep.push(i);
      labels = keep.map((i) => labels[i]);
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
      this.#sink.offer(t0, labels, vs.slice()).catch(ignore);
    } else if (distinct.length > MAX_GROUPS) {
      this.#sink.backfill(labels, ts.slice(), vs.slice()).catch(ignore);
    } else {
      for (const t of distinct.sort((a, b) => a - b)) {
        const idx: number[] = [];
        for (let i = 0; i < n; i++) if (ts[i] === t) idx.push(i);
        this.#sink.offer(t, idx.map((i) => labels[i]), pick(vs, idx)).catch(ignore);
      }
    }
  }
}

/**
 * pick copies src[idx[0]], src[idx[1]], … into a new array through 32-bit views, so that NaN
 * payloads (the staleness marker is a signalling NaN) keep their exact bits.
 */
function pick(src: Float64Array, idx: readonly number[]): Float64Array {
  const out = new Float64Array(idx.length);
  const from = new Uint32Array(src.buffer, src.byteOffset, src.length * 2), to = new Uint32Array(out.buffer);
  for (let k = 0; k < idx.length; k++) {
    to[2 * k] = from[2 * idx[k]];
    to[2 * k + 1] = from[2 * idx[k] + 1];
  }
  return out;
}
