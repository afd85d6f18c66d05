/**
 * DBAppender: the Appender of the durable TSDB. It buffers samples in typed arrays, and at commit
 * refuses those older than the head's minimum valid time (that time is persisted in blocks),
 * hands the rest to the in-memory head's appender in one batch, and logs exactly the samples the
 * head accepted to the WAL — a series record first when new series appeared, then one samples
 * record. commit() returns at once with the head's verdict; `durable` resolves once the WAL holds
 * the batch under the fsync policy, or rejects naming why it could not be written.
 */
import type { Labels } from '../../model/labels.ts';
import { AppendError, type AppendResult, type Appender, type SeriesRef } from '../../storage/interface.ts';
import type { SeriesRecord, WALRecord } from '../wal/index.ts';
import type { Head } from './head.ts';
import { SampleColumns } from '../../storage/sample-columns.ts';

/** DurableAppendResult: a commit's verdict, and a promise of its durability. */
export interface DurableAppendResult extends AppendResult {
  /**
   * durable resolves when every sample counted in `appended` (and the series they belong to) is
   * in the WAL under the DB's fsync policy. It rejects with a WALWriteError when the WAL write
   * failed: the samples are then in memory only, and the DB writes them again, in order, ahead of
   * the next commit (whose own `durable` covers them). It never rejects unobserved: ignoring it
   * is safe.
   */
  durable: Promise<void>;
}

/**
 * CommitResult: the DurableAppendResult a DBAppender returns. `durable` is a getter, so that the
 * result still compares equal to a plain AppendResult ({appended, errors}).
 */
export class CommitResult implements DurableAppendResult {
  readonly #durable: Promise<void>;

  constructor(
    readonly appended: number,
    readonly errors: AppendError[],
    durable: Promise<void>,
  ) {
    this.#durable = durable;
  }

  get durable(): Promise<void> {
    return this.#durable;
  }
}

/** CommitSink: what the appender needs of the DB. */
export interface CommitSink {
  readonly head: Head;
  checkOpen(what: string): void;
  /** log writes the records of one commit in commit order, resolving when they are durable. */
  log(records: WALRecord[]): Promise<void>;
  /** afterCommit runs once the commit is applied, to start background work. */
  afterCommit(): void;
}

export class DBAppender implements Appender {
  readonly #db: CommitSink;
  readonly #cols = new SampleColumns();
  #labels: Labels[] = [];
  #spent = false;

  constructor(db: CommitSink) {
    this.#db = db;
  }

  /** append: see Appender.append; throws like the in-memory appender (RangeError, InvalidLabelError, StorageClosedError). */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    if (this.#spent) throw new Error('BUG: append on an appender after commit or rollback');
    this.#db.checkOpen('append');
    if (!Number.isSafeInteger(t)) throw new RangeError(`append ${labels}: timestamp ${t} is not an integer of ms`);
    const r = this.#db.head.mem.resolveRef(ref, labels);
    this.#labels[this.#cols.n] = labels;
    this.#cols.push(r, t, v);
    return r;
  }

  /**
   * commit applies the batch to the head and queues it for the WAL (see DurableAppendResult).
   * Synchronous: the WAL records are queued in commit order, so replay sees commits in the order
   * the head applied them.
   */
  commit(): CommitResult {
    if (this.#spent) throw new Error('BUG: commit on an appender after commit or rollback');
    this.#spent = true;
    const db = this.#db;
    db.checkOpen('commit');
    const head = db.head;
    const { refs, ts, vs, n } = this.#cols;
    const errors: AppendError[] = [];
    const keep = new Uint8Array(n); // 1: handed to the head
    const inner = head.mem.appender();
    const minValid = head.minValidTime;
    for (let i = 0; i < n; i++) {
      if (ts[i] < minValid) {
        errors.push(new AppendError('out_of_bounds', head.mem.index.labels(refs[i]) ?? this.#labels[i], ts[i], vs[i]));
        continue;
      }
      inner.append(refs[i], this.#labels[i], ts[i], vs[i]);
      keep[i] = 1;
    }
    const res = inner.commit();
    if (res.errors.length) {
      unmarkRefused(keep, res.errors, refs, ts, vs, (l) => head.mem.index.getRef(l));
      errors.push(...res.errors);
    }
    const records: WALRecord[] = [];
    const fresh = head.takeNewSeries();
    if (fresh) records.push(fresh);
    const samples = this.#samplesRecord(keep);
    if (samples) records.push(samples);
    const durable = records.length ? db.log(records) : Promise.resolve();
    durable.catch(() => undefined); // observed here; the caller may await it or not
    this.#release();
    db.afterCommit();
    return new CommitResult(res.appended, errors, durable);
  }

  rollback(): void {
    if (this.#spent) throw new Error('BUG: rollback on an appender after commit or rollback');
    this.#spent = true;
    this.#release();
  }

  /** #samplesRecord builds the WAL record of the kept samples (WAL refs) and widens the head's span. */
  #samplesRecord(keep: Uint8Array): WALRecord | undefined {
    const head = this.#db.head;
    const { refs: headRefs, ts: times, vs: values } = this.#cols;
    let k = 0, t0 = Infinity, t1 = -Infinity;
    for (let i = 0; i < keep.length; i++) {
      if (!keep[i]) continue;
      k++;
      const t = times[i];
      if (t < t0) t0 = t;
      if (t > t1) t1 = t;
    }
    if (k === 0) return undefined;
    // Fast path: one timestamp for the whole batch (a scrape) needs no per-sample column.
    const refs = new Float64Array(k), vs = new Float64Array(k), ts = t0 === t1 ? null : new Float64Array(k);
    let j = 0;
    for (let i = 0; i < keep.length; i++) {
      if (!keep[i]) continue;
      refs[j] = head.walRef(headRefs[i]);
      if (ts !== null) ts[j] = times[i];
      vs[j] = values[i];
      j++;
    }
    head.noteSpan(t0, t1);
    return { type: 'samples', t: ts ?? t0, refs, values: vs };
  }

  #release(): void {
    this.#cols.release();
    this.#labels = [];
  }
}

/**
 * unmarkRefused clears keep[i] for each sample the head refused, matched by ref, timestamp and
 * value (any NaN matches any NaN: an AppendError's value is a plain number, whose NaN payload V8
 * may not keep); one refusal clears one sample, the first kept one that matches.
 */
function unmarkRefused(
  keep: Uint8Array,
  refused: readonly AppendError[],
  refs: Uint32Array,
  ts: Float64Array,
  vs: Float64Array,
  refOf: (l: Labels) => number,
): void {
  const pending = new Map<string, number[]>();
  for (const e of refused) {
    const key = `${refOf(e.labels)}:${e.t}`;
    const list = pending.get(key);
    if (list) list.push(e.v);
    else pending.set(key, [e.v]);
  }
  let left = refused.length;
  for (let i = 0; i < keep.length && left > 0; i++) {
    if (!keep[i]) continue;
    const list = pending.get(`${refs[i]}:${ts[i]}`);
    if (list === undefined) continue;
    const v = vs[i];
    const k = list.findIndex((x) => Object.is(x, v) || (Number.isNaN(x) && Number.isNaN(v)));
    if (k < 0) continue;
    list.splice(k, 1);
    keep[i] = 0;
    left--;
  }
  if (left) throw new Error(`BUG: ${left} refused samples match no buffered sample`);
}
