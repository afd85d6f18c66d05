/**
 * DB: the durable TSDB, a Storage (shared/storage/interface.ts) on a data directory. Appends go
 * to the in-memory head (shared/storage/mem) and to the write-ahead log (shared/tsdb/wal); a
 * commit answers at once and its `durable` promise settles when the WAL holds it under the fsync
 * policy. Opening takes the directory's lock, loads the persisted blocks and replays the WAL into
 * a fresh head. Reads merge blocks and head. Cutting the head into blocks, retention and
 * snapshots are in db-maintenance.ts; the layout is in docs/tsdb.md.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageClosedError } from '../../storage/mem/index.ts';
import type { Querier, SeriesRef, Storage } from '../../storage/interface.ts';
import type { Labels } from '../../model/labels.ts';
import { WAL, type WALRecord } from '../wal/index.ts';
import type { BlockMeta } from '../block/index.ts';
import { BlockSet } from './blocks.ts';
import { DBAppender, type CommitSink } from './db-append.ts';
import { Maintenance, type MaintenanceStats, type SnapshotResult } from './db-maintenance.ts';
import { FloorQuerier, MergeQuerier } from './db-read.ts';
import { Head } from './head.ts';
import { replayIntoHead, type WALReplayStats } from './head-wal.ts';
import { lockDir, type DirLock } from './lock.ts';
import { resolveOptions, type DBOptions, type ResolvedOptions } from './options.ts';

export const WAL_DIR = 'wal';

/** WALWriteError: a commit (or position) could not be made durable; its cause is the WAL's error. */
export class WALWriteError extends Error {
  constructor(what: string, cause: Error) {
    super(`${what} is not durable: ${cause.message}`, { cause });
    this.name = 'WALWriteError';
  }
}

/**
 * openDB opens (creating it if needed) the TSDB in `dir`: it locks the directory (a
 * DirectoryLockedError names the PID of a live holder), loads the blocks, replays the WAL into the
 * head (repaired damage is in `db.replay.corruptions` and passed to options.log) and starts
 * accepting appends. Bad options throw a RangeError; failures are wrapped naming the directory.
 */
export async function openDB(dir: string, options: DBOptions = {}): Promise<DB> {
  const opts = resolveOptions(options);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new Error(`open TSDB ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const lock = await lockDir(dir);
  let wal: WAL | undefined;
  let blocks: BlockSet | undefined;
  try {
    const head = new Head({ outOfOrderWindowMs: opts.outOfOrderWindowMs, validation: opts.validation, chunkRangeMs: opts.blockRangeMs });
    blocks = await BlockSet.open(dir, head.mem.core, opts.log);
    head.minValidTime = head.readFloor = blocks.maxTime();
    wal = await WAL.open(join(dir, WAL_DIR), {
      sync: opts.sync,
      syncIntervalMs: opts.syncIntervalMs,
      segmentSize: opts.walSegmentSize,
      fs: opts.walFS,
      log: opts.log,
    });
    const replay = await replayIntoHead(wal, head);
    return new DB(dir, opts, lock, wal, head, blocks, replay);
  } catch (err) {
    blocks?.close();
    await wal?.close().catch(() => undefined);
    await lock.release();
    if ((err as Error).name === 'RangeError') throw err;
    throw new Error(`open TSDB ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** DB: see the module comment. Use openDB. Appenders and queriers follow the Storage contract. */
export class DB implements Storage, CommitSink {
  readonly dir: string;
  readonly head: Head;
  /** What opening replayed from the WAL, including repaired damage. */
  readonly replay: WALReplayStats;
  readonly #opts: ResolvedOptions;
  readonly #lock: DirLock;
  readonly #wal: WAL;
  readonly #blocks: BlockSet;
  readonly #maintenance: Maintenance;
  readonly #positions: Map<string, { seq: number; data?: Uint8Array }>;
  /** Records of commits not yet handed to the WAL, in commit order, and who waits for them. */
  #queue: WALRecord[] = [];
  #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  /** The WAL write in flight, if any. */
  #writing: Promise<void> | undefined;
  #walFailures = 0;
  /** One promise per open querier, settled when it is closed (head truncation waits for them). */
  readonly #readers = new Set<Promise<void>>();
  #closed = false;

  /** The constructor takes what openDB prepared; use openDB. */
  constructor(dir: string, opts: ResolvedOptions, lock: DirLock, wal: WAL, head: Head, blocks: BlockSet, replay: WALReplayStats) {
    this.dir = dir;
    this.#opts = opts;
    this.#lock = lock;
    this.#wal = wal;
    this.#blocks = blocks;
    this.head = head;
    this.replay = replay;
    this.#positions = replay.positions;
    this.#maintenance = new Maintenance(dir, head, wal, blocks, opts, {
      open: () => [...this.#readers],
      forget: (list) => list.filter((r) => this.#readers.delete(r)).length,
    });
    if (opts.background) {
      // A head replayed past its cut point, and blocks past retention, are dealt with at once.
      if (this.#maintenance.cutDue()) this.#maintenance.scheduleCut();
      else this.#maintenance.scheduleCompaction();
    }
  }

  appender(): DBAppender {
    this.checkOpen('appender');
    return new DBAppender(this);
  }

  /** seriesLabels: see Storage.seriesLabels (the head's series; the head keeps every series it had). */
  seriesLabels(ref: SeriesRef): Labels | undefined {
    return this.head.mem.seriesLabels(ref);
  }

  /** seriesRef: see Storage.seriesRef. */
  seriesRef(labels: Labels): SeriesRef {
    return this.head.mem.seriesRef(labels);
  }

  querier(mint: number, maxt: number): Querier {
    this.checkOpen('querier');
    const floor = this.head.readFloor;
    const head = new FloorQuerier(this.head.mem.querier(Math.max(mint, floor), maxt), floor);
    let done!: () => void;
    const reader = new Promise<void>((resolve) => (done = resolve));
    this.#readers.add(reader);
    return new MergeQuerier([...this.#blocks.queriers(mint, maxt), head], head, this.head.mem.core, () => {
      this.#readers.delete(reader);
      done();
    });
  }

  /**
   * flush resolves once everything committed so far is durable, and rejects with a WALWriteError
   * when the WAL still cannot take it (records of failed writes are retried here too).
   */
  flush(): Promise<void> {
    if (this.#queue.length === 0 && this.#writing === undefined) return Promise.resolve();
    return this.log([], 'flush');
  }

  /** position returns the last position record logged under `name` (replayed at open), if any. */
  position(name: string): { seq: number; data?: Uint8Array } | undefined {
    return this.#positions.get(name);
  }

  /**
   * logPosition records a named sequence number (and opaque bytes) in the WAL, for the streaming
   * layer's resume point; it resolves when durable, rejects with WALWriteError. position() returns
   * it at once, and after a restart once durable.
   */
  logPosition(name: string, seq: number, data?: Uint8Array): Promise<void> {
    this.checkOpen('logPosition');
    this.#positions.set(name, { seq, data });
    return this.log([{ type: 'position', name, seq, data }], `position ${name}=${seq}`);
  }

  /** blocks: the metas of the persisted blocks queries read, oldest first. */
  blocks(): BlockMeta[] {
    return this.#blocks.metas();
  }

  /**
   * cutHead persists every block range the head has completed (see head-cut.ts), frees it from
   * the head, checkpoints the WAL and applies retention; resolves with the number of blocks
   * written. Background work does this after commits; call it with `background: false`.
   */
  cutHead(): Promise<number> {
    this.checkOpen('cutHead');
    return this.#maintenance.cutNow();
  }


  /** compact merges blocks as the compaction planner says; resolves with the number of blocks written. */
  compact(): Promise<number> {
    this.checkOpen('compact');
    return this.#maintenance.compactNow();
  }

  /** applyRetention deletes the blocks beyond the retention bounds; resolves with their ids. */
  applyRetention(): Promise<string[]> {
    this.checkOpen('applyRetention');
    return this.#maintenance.retainNow();
  }

  /**
   * snapshot writes a consistent copy of the data into `dir` (new or empty), openable with
   * openDB: blocks as hard links, the head as a block (Prometheus' admin snapshot).
   */
  snapshot(dir: string): Promise<SnapshotResult> {
    this.checkOpen('snapshot');
    return this.#maintenance.snapshot(dir);
  }

  /** stats: head sizes, blocks, WAL segments, failures and background work, for monitoring. */
  stats(): {
    series: number;
    headMinT: number;
    headMaxT: number;
    minValidTime: number;
    blocks: number;
    blockBytes: number;
    walSegments: { first: number; last: number };
    walFailures: number;
    maintenance: MaintenanceStats;
  } {
    return {
      series: this.head.seriesCount,
      headMinT: this.head.minT,
      headMaxT: this.head.maxT,
      minValidTime: this.head.minValidTime,
      blocks: this.#blocks.metas().length,
      blockBytes: this.#blocks.bytes(),
      walSegments: this.#wal.segments(),
      walFailures: this.#walFailures,
      maintenance: { ...this.#maintenance.stats },
    };
  }

  /** close waits for queued WAL writes, closes the WAL and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#maintenance.idle();
      await this.flush().catch((err: Error) => this.#opts.log(`close TSDB ${this.dir}: ${err.message}; samples since the failure are lost`));
      await this.#wal.close();
    } finally {
      this.#blocks.close();
      await this.head.mem.close();
      await this.#lock.release();
    }
  }

  /** closed: true once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** checkOpen throws StorageClosedError after close(). */
  checkOpen(what: string): void {
    if (this.#closed) throw new StorageClosedError(what);
  }

  /**
   * log queues one commit's records for the WAL and resolves when they are durable. The DB hands
   * the WAL one batch at a time (the WAL group-commits within it), so that a failed write can be
   * retried in order: its records go back to the front of the queue and are written with the next
   * batch, before anything committed after them. The failed batch's promises reject with a
   * WALWriteError; its records (already in the head) become durable with a later batch, so the
   * WAL never lacks a series record or holds samples in another order than the head took them.
   */
  log(records: WALRecord[], what = 'commit'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const r of records) this.#queue.push(r);
      this.#waiters.push({ resolve, reject: (err) => reject(new WALWriteError(what, err)) });
      this.#pump();
    });
  }

  /** #pump hands the queued records to the WAL as one batch when no batch is in flight. */
  #pump(): void {
    if (this.#writing !== undefined || this.#waiters.length === 0) return;
    const records = this.#queue, waiters = this.#waiters;
    this.#queue = [];
    this.#waiters = [];
    const write = records.length ? this.#wal.log(records) : Promise.resolve();
    this.#writing = write.then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: Error) => {
        this.#walFailures++;
        // Retry these records before anything newer, unless they are malformed (a bug).
        if (!err.message.startsWith('BUG:')) this.#queue = records.concat(this.#queue);
        for (const w of waiters) w.reject(err);
      },
    ).finally(() => {
      this.#writing = undefined;
      this.#pump(); // commits that arrived meanwhile (their batch retries a failed one first)
    });
  }

  afterCommit(): void {
    if (this.#opts.background && this.#maintenance.cutDue()) this.#maintenance.scheduleCut();
  }
}
