/**
 * Backlog: the edge's durable log of every batch offered to the uplink that the hub has not yet
 * acknowledged, on a write-ahead log of its own (shared/tsdb/wal) in the uplink's directory. Each
 * batch gets a backlog id, logged as a position record `b` right before its samples record, with
 * series records for series whose record is not in the log. What is done (acked by the hub, or
 * dropped) is logged as position records too, so a restart — SIGKILL included — knows exactly what
 * to send. The log is cut into epochs of about `segmentBytes`; an epoch whose batches are all done
 * is folded into a checkpoint (keeping the records of series used since the previous fold, and the
 * last positions), and when the backlog passes `maxBytes` the oldest epochs are dropped, counted
 * and logged. Pending batches
 * live on disk: only ids, sample counts and the series' refs (backlog-series.ts) stay in memory.
 * Series are named by number (SeriesIds: storage refs), never kept as Labels.
 */
import type { Labels } from '../../shared/model/labels.ts';
import { WAL, type SyncPolicy, type WALRecord } from '../../shared/tsdb/wal/index.ts';
import { readSegment } from '../../shared/tsdb/wal/segment.ts';
import { nodeFS } from '../../shared/tsdb/wal/fs.ts';
import type { AckedSet } from './acked.ts';
import { B, DONE, HUB, SENT, applyRecord, newReplayState, type ReplayState } from './backlog-replay.ts';
import { BacklogSeries, type SeriesEntry } from './backlog-series.ts';
import { Epochs } from './epochs.ts';
import { pick } from './pick.ts';
import { SeriesIds } from './series-ids.ts';

/** BacklogOptions: every field has a default. */
export interface BacklogOptions {
  /** Most bytes the backlog keeps on disk; beyond it the oldest batches are dropped (default 256 MiB). */
  maxBytes?: number;
  /** Bytes per epoch (default maxBytes / 8, at most 16 MiB). */
  segmentBytes?: number;
  /** The log's fsync policy (default 'always'). */
  sync?: SyncPolicy;
  /** Where drops and repairs are reported (default console.warn). */
  log?: (message: string) => void;
  /** Called with what a drop removed, for metrics. */
  onDrop?: (batches: number, samples: number) => void;
  /** Series whose labels this holds for are left out of every batch (default: none). */
  refuse?: (labels: Labels) => boolean;
}

/**
 * StoredBatch: one pending batch, appended or read back: sample i is series refs[i] (a backlog
 * ref: Backlog.labels names it) at t (a scrape) or t[i] (a backfill), with values[i].
 */
export interface StoredBatch {
  id: number;
  t: number | Float64Array;
  refs: Float64Array;
  values: Float64Array;
}

type ResolvedOptions = Required<Omit<BacklogOptions, 'onDrop' | 'sync' | 'refuse'>> & Pick<BacklogOptions, 'onDrop'>;

export class Backlog {
  readonly dir: string;
  /** ids: the numbers that name series in append (storage refs once a storage is attached). */
  readonly ids = new SeriesIds();
  readonly #wal: WAL;
  readonly #opts: ResolvedOptions;
  readonly #series: BacklogSeries;
  /** Pending batch ids (not done) and their sample counts, in id order. */
  readonly #pending = new Map<number, number>();
  readonly done: AckedSet;
  #nextId: number;
  #hubSeq: number;
  /** Wire sequences sent but not known to be acked, and the batch ids each carried. */
  readonly sent: Map<number, number[]>;
  readonly #epochs: Epochs;
  #gate: Promise<void> | undefined;
  #persisting: Promise<boolean> | undefined;
  #persistDirty = false;
  #maintaining: Promise<void> | undefined;
  #closed = false;
  dropped = { batches: 0, samples: 0 };

  private constructor(dir: string, wal: WAL, opts: ResolvedOptions, state: ReplayState, epochs: Epochs, refuse?: (labels: Labels) => boolean) {
    this.dir = dir;
    this.#wal = wal;
    this.#opts = opts;
    this.#series = new BacklogSeries(state.labels, state.lastUse, this.ids, refuse);
    this.done = state.done;
    for (const [id, n] of state.pending) if (!this.done.has(id)) this.#pending.set(id, n);
    this.#nextId = state.lastId + 1;
    this.#hubSeq = state.hubSeq;
    this.sent = new Map([...state.sent].filter(([seq]) => seq > state.hubSeq));
    this.#epochs = epochs;
  }

  /** open replays (and repairs) the backlog in `dir`, creating it if needed. */
  static async open(dir: string, options: BacklogOptions = {}): Promise<Backlog> {
    const maxBytes = options.maxBytes ?? 256 << 20;
    const opts = {
      maxBytes,
      segmentBytes: options.segmentBytes ?? Math.max(64 << 10, Math.min(16 << 20, Math.floor(maxBytes / 8))),
      log: options.log ?? ((m: string) => console.warn(m)),
      onDrop: options.onDrop,
    };
    try {
      const wal = await WAL.open(dir, { sync: options.sync ?? 'always', segmentSize: 1 << 30, log: opts.log });
      const state = newReplayState();
      await wal.replay((rec) => applyRecord(state, rec));
      const epochs = await Epochs.scan(dir, wal.segments().last + 1);
      return new Backlog(dir, wal, opts, state, epochs, options.refuse);
    } catch (err) {
      throw new Error(`open uplink backlog ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** hubSeq: the last wire sequence the hub acknowledged (HELLO.resume). */
  get hubSeq(): number {
    return this.#hubSeq;
  }

  /** nextId: the id the next appended batch gets. */
  get nextId(): number {
    return this.#nextId;
  }

  /** pendingBatches / pendingSamples: what is not yet done. */
  get pendingBatches(): number {
    return this.#pending.size;
  }

  get pendingSamples(): number {
    let n = 0;
    for (const c of this.#pending.values()) n += c;
    return n;
  }

  /** pendingIds: pending ids in ascending order; an iterator over the live set, not a copy (do not mark batches while iterating). */
  pendingIds(): MapIterator<number> {
    return this.#pending.keys();
  }

  isPending(id: number): boolean {
    return this.#pending.has(id);
  }

  /** sampleCount of a pending batch (0 when done). */
  sampleCount(id: number): number {
    return this.#pending.get(id) ?? 0;
  }

  /**
   * append logs one batch: sample i is series `series[i]` (a SeriesIds id) at `t` (a scrape) or
   * t[i], with values[i]. Samples of refused series are left out: it returns the batch as logged,
   * refs and all (null, logging nothing, when every sample was left out), and at once; `durable`
   * resolves once it is on disk under the sync policy (reject: not stored; the id stays pending
   * in memory until the process ends). The arrays are kept in the log record until it is written.
   * A series id without labels is a caller bug: it throws, and the batch is not logged.
   */
  append(t: number | Float64Array, series: Float64Array, values: Float64Array): { batch: StoredBatch; durable: Promise<void> } | null {
    if (this.#closed) throw new Error('BUG: append to a closed backlog');
    if (series.length !== values.length || (typeof t !== 'number' && t.length !== values.length)) {
      throw new Error(`BUG: backlog append of ${series.length} series, ${values.length} values${typeof t === 'number' ? '' : ` and ${t.length} timestamps`}`);
    }
    const id = this.#nextId;
    let refs: Float64Array = new Float64Array(series.length);
    const fresh: SeriesEntry[] = [];
    let kept = 0;
    try {
      for (let i = 0; i < series.length; i++) if ((refs[i] = this.#series.use(series[i], id, fresh)) !== 0) kept++;
    } catch (err) {
      this.#series.unlog(fresh); // nothing of this batch is logged
      throw err;
    }
    if (kept < refs.length) {
      // Slow path: leave out the samples of refused series.
      if (kept === 0) return null;
      const keep: number[] = [];
      for (let i = 0; i < refs.length; i++) if (refs[i] !== 0) keep.push(i);
      if (typeof t !== 'number') t = pick(t, keep);
      values = pick(values, keep);
      refs = pick(refs, keep);
    }
    this.#nextId++;
    const records: WALRecord[] = [];
    if (fresh.length) records.push({ type: 'series', series: fresh });
    records.push({ type: 'position', name: B, seq: id }, { type: 'samples', t, refs, values });
    this.#pending.set(id, refs.length);
    const durable = this.#write(records, id);
    durable.then(() => this.maintain(), () => undefined);
    return { batch: { id, t, refs, values }, durable };
  }

  /** labels returns the labels of backlog ref `ref` (built on demand), or undefined when unknown. */
  labels(ref: number): Labels | undefined {
    return this.#series.labels(ref);
  }

  /** recordSent notes that wire sequence `seq` carries `ids` (logged without waiting). */
  recordSent(seq: number, ids: number[]): void {
    this.sent.set(seq, ids);
    this.#write([{ type: 'position', name: SENT, seq, data: new Uint8Array(Float64Array.from(ids).buffer) }]).catch((err: Error) =>
      this.#opts.log(`uplink backlog ${this.dir}: ${err.message}`),
    );
  }

  /**
   * acked applies the hub's ACK of wire sequence `seq`: every sent sequence up to it is done, with
   * its batches. Persisted without waiting (coalesced); a crash before that resends those batches
   * and the hub, having them, skips them by sequence.
   */
  acked(seq: number): void {
    for (const [s, ids] of this.sent) {
      if (s > seq) continue;
      for (const id of ids) this.markDone(id);
      this.sent.delete(s);
    }
    if (seq > this.#hubSeq) {
      this.#hubSeq = seq;
      this.#persistDirty = true;
    }
    void this.persist();
  }

  /** forgetSent drops the sent map above the hub's acked position (those were never stored). */
  forgetSent(): void {
    this.sent.clear();
  }

  /** markDone marks a batch done (not persisted until persist()). */
  markDone(id: number): void {
    if (this.done.add(id)) this.#persistDirty = true;
    this.#pending.delete(id);
  }

  /**
   * persist logs the done set and hub position when they changed since the last write; concurrent
   * calls share writes. Resolves when durable (failures are logged: the next change writes again).
   */
  async persist(): Promise<void> {
    while (this.#persistDirty && !this.#closed) {
      if (this.#persisting) {
        if (!(await this.#persisting)) return;
        continue;
      }
      this.#persistDirty = false;
      const records: WALRecord[] = [
        { type: 'position', name: DONE, seq: this.done.watermark, data: this.done.encodeAbove() },
        { type: 'position', name: HUB, seq: this.#hubSeq },
      ];
      this.#persisting = this.#write(records)
        .then(
          () => true,
          (err: Error) => {
            this.#persistDirty = true; // written again with the next change
            this.#opts.log(`uplink backlog ${this.dir}: ${err.message}`);
            return false;
          },
        )
        .finally(() => (this.#persisting = undefined));
      if (!(await this.#persisting)) return;
    }
  }

  /**
   * read yields the pending batches for which `want(id)` holds, in id order, reading the log from
   * disk one segment at a time. Batches appended while reading may or may not be included.
   */
  async *read(want: (id: number) => boolean): AsyncGenerator<StoredBatch> {
    for (const path of await this.#epochs.files(this.done.watermark)) {
      let buf: Uint8Array;
      try {
        buf = await nodeFS.readFile(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // folded meanwhile
        throw new Error(`read uplink backlog ${path}: ${(err as Error).message}`, { cause: err });
      }
      let id = 0;
      for (const rec of readSegment(path, 0, buf)) {
        if (rec.type === 'position' && rec.name === B) id = rec.seq;
        else if (rec.type === 'samples' && id > 0) {
          if (this.#pending.has(id) && want(id)) {
            let ok = true;
            for (let i = 0; i < rec.refs.length; i++) if (!this.#series.known(rec.refs[i])) ok = false;
            // The decoder gives Float64Arrays (record-decode.ts).
            if (ok) yield { id, t: rec.t as number | Float64Array, refs: rec.refs as Float64Array, values: rec.values };
            else {
              this.#opts.log(`uplink backlog ${path}: batch ${id} names a series the backlog lost; dropped`);
              this.markDone(id);
            }
          }
          id = 0;
        }
      }
    }
  }

  /**
   * maintain cuts a full epoch, folds epochs whose batches are all done, and drops the oldest
   * epochs while the backlog is over maxBytes. One run at a time; cheap when there is nothing to do.
   */
  maintain(): Promise<void> {
    this.#maintaining ??= this.#maintain()
      .catch((err: Error) => this.#opts.log(`uplink backlog ${this.dir}: maintenance: ${err.message}`))
      .finally(() => (this.#maintaining = undefined));
    return this.#maintaining;
  }

  async #maintain(): Promise<void> {
    if (this.#closed) return;
    const ep = this.#epochs;
    await ep.refreshSizes();
    if (ep.activeBytes >= this.#opts.segmentBytes) await this.#cut();
    // Drop the oldest closed epochs while over the bound.
    while (ep.totalBytes > this.#opts.maxBytes && ep.closedCount > 0) {
      const { maxId } = ep.dropOldest();
      let batches = 0, samples = 0;
      for (const [id, n] of this.#pending) {
        if (id > maxId) break;
        batches++;
        samples += n;
      }
      this.done.raise(maxId);
      this.#persistDirty = true;
      for (const id of [...this.#pending.keys()]) if (id <= maxId) this.#pending.delete(id);
      if (batches) {
        this.dropped.batches += batches;
        this.dropped.samples += samples;
        this.#opts.onDrop?.(batches, samples);
        this.#opts.log(`uplink backlog ${this.dir}: over ${this.#opts.maxBytes} bytes: dropped the oldest ${batches} batches (${samples} samples) not yet acknowledged by the hub`);
      }
    }
    await this.persist();
    const before = ep.foldableBefore(this.done.watermark);
    if (before === undefined) return;
    await this.#wal.checkpoint(before, this.#series.fold(this.done.watermark), Infinity);
    ep.folded(before);
  }

  #cut(): Promise<void> {
    const maxId = this.#nextId - 1;
    const g = (this.#gate ?? Promise.resolve()).then(async () => {
      const n = await this.#wal.cut();
      this.#epochs.cut(n, maxId);
    });
    this.#gate = g;
    void g.then(
      () => (this.#gate === g ? (this.#gate = undefined) : undefined),
      () => (this.#gate === g ? (this.#gate = undefined) : undefined),
    );
    return g;
  }

  /** #write logs records, after a pending cut when there is one; `id` updates the epoch's range. */
  #write(records: WALRecord[], id?: number): Promise<void> {
    if (this.#gate === undefined) {
      if (id !== undefined) this.#epochs.note(id);
      return this.#wal.log(records);
    }
    let done!: Promise<void>;
    const g = this.#gate.then(
      () => {
        if (id !== undefined) this.#epochs.note(id);
        done = this.#wal.log(records);
      },
      () => {
        if (id !== undefined) this.#epochs.note(id);
        done = this.#wal.log(records);
      },
    );
    this.#gate = g;
    void g.then(() => (this.#gate === g ? (this.#gate = undefined) : undefined));
    return g.then(() => done);
  }

  /** close persists the done set and closes the log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.persist();
    await this.#maintaining;
    await this.#gate?.catch(() => undefined);
    this.#closed = true;
    await this.#wal.close();
  }
}
