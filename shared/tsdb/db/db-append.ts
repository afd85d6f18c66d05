/**
 * DBAppender: the Appender of the durable TSDB. It buffers samples in typed arrays, and at commit
 * refuses those older than the head's minimum valid time (that time is persisted in blocks),
 * crosses the rest into the in-memory head in one batch, and logs exactly the samples the head
 * accepted to the WAL — a series record first when new series appeared, then one samples
 * record. commit() returns at once with the head's verdict; `durable` resolves once the WAL holds
 * the batch under the fsync policy, or rejects naming why it could not be written.
 *
 * The samples record is built in place: the buffered columns become the record (head refs
 * overwritten with WAL refs, refused samples squeezed out), and go back to the column pool once
 * the WAL has written them. A scrape's samples are thus touched once after the head took them.
 */
import type { Labels } from '../../model/labels.ts';
import { AppendError, type AppendResult, type Appender, type SeriesRef } from '../../storage/interface.ts';
import { accepted, appendToHead, bufferAppend, bufferAppendRef, refusals } from '../../storage/mem/mem-append.ts';
import type { MemStorage } from '../../storage/mem/index.ts';
import type { SamplesRecord, WALRecord } from '../wal/index.ts';
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
  readonly #mem: MemStorage;
  readonly #cols = new SampleColumns();
  #spent = false;

  constructor(db: CommitSink) {
    this.#db = db;
    this.#mem = db.head.mem;
  }

  /** append: see Appender.append; throws like the in-memory appender (RangeError, InvalidLabelError, StorageClosedError). */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    this.#checkLive();
    return bufferAppend(this.#mem, this.#cols, ref, labels, t, v);
  }

  /** appendRef: see Appender.appendRef; throws like append. */
  appendRef(ref: SeriesRef, t: number, v: number): boolean {
    this.#checkLive();
    return bufferAppendRef(this.#mem, this.#cols, ref, t, v);
  }

  #checkLive(): void {
    if (this.#spent) throw new Error('BUG: append on an appender after commit or rollback');
    this.#db.checkOpen('append');
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
    const mem = this.#mem;
    const cols = this.#cols;
    const errors: AppendError[] = [];
    const lo = cols.tMin, hi = cols.tMax;
    // Slow path: samples in the time the blocks hold are refused before the head sees them.
    let n = cols.n;
    if (lo < head.minValidTime) n = this.#refuseOld(errors);
    let appended = 0;
    let samples: SamplesRecord | undefined;
    if (n > 0) {
      const verdict = appendToHead(mem.core, cols, n);
      refusals(mem, cols, n, verdict, errors);
      appended = n - verdict.refused;
      if (appended > 0) {
        mem.noteAppended(appended, lo, hi);
        samples = this.#samplesRecord(n, verdict.status, verdict.refused);
      }
    }
    const records: WALRecord[] = [];
    const fresh = head.takeNewSeries();
    if (fresh) records.push(fresh);
    if (samples) records.push(samples);
    const durable = records.length ? db.log(records) : Promise.resolve();
    // Observed here (the caller may await it or not). The record's columns go back to the pool
    // once written; after a failed write the DB still holds them for its retry, so they are left.
    if (samples) durable.then(() => cols.release(), () => undefined);
    else {
      durable.catch(() => undefined);
      cols.release();
    }
    db.afterCommit();
    return new CommitResult(appended, errors, durable);
  }

  rollback(): void {
    if (this.#spent) throw new Error('BUG: rollback on an appender after commit or rollback');
    this.#spent = true;
    this.#cols.release();
  }

  /** #refuseOld reports the samples older than the head's minimum valid time and drops them from the columns. */
  #refuseOld(errors: AppendError[]): number {
    const { refs, ts, vs } = this.#cols;
    const minValid = this.#db.head.minValidTime;
    return this.#cols.keep((i) => {
      if (ts[i] >= minValid) return true;
      errors.push(new AppendError('out_of_bounds', this.#mem.index.labels(refs[i])!, ts[i], vs[i]));
      return false;
    });
  }

  /**
   * #samplesRecord turns the columns' first n samples into the WAL record of those the head
   * accepted (`status`), in place: WAL refs over head refs, refused samples squeezed out. It
   * widens the head's time span by the samples kept.
   */
  #samplesRecord(n: number, status: Uint8Array, refused: number): SamplesRecord {
    const head = this.#db.head;
    const cols = this.#cols;
    const { refs, ts, vs } = cols;
    // WAL refs count up from 1 for the life of the log; should they near 2^32, refs take a wide column.
    const wide = head.isLiveWalRef(0xffffffff - n) ? new Float64Array(n) : null;
    const out = wide ?? refs;
    let k = n;
    let t0 = cols.tMin, t1 = cols.tMax;
    if (refused === 0) {
      // Fast path: the whole batch, one pass.
      for (let i = 0; i < n; i++) out[i] = head.walRef(refs[i]);
    } else {
      k = 0;
      t0 = Infinity;
      t1 = -Infinity;
      for (let i = 0; i < n; i++) {
        if (!accepted(status[i])) continue;
        const t = ts[i];
        if (t < t0) t0 = t;
        if (t > t1) t1 = t;
        out[k] = head.walRef(refs[i]);
        ts[k] = t;
        vs[k] = vs[i];
        k++;
      }
    }
    head.noteSpan(t0, t1);
    // Fast path: one timestamp for the whole batch (a scrape) needs no per-sample column.
    return { type: 'samples', t: t0 === t1 ? t0 : ts.subarray(0, k), refs: out.subarray(0, k), values: vs.subarray(0, k) };
  }
}
