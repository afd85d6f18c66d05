/**
 * The DB's background work, one task at a time: cutting the head into blocks (then freeing the
 * head's chunks and checkpointing the WAL), deleting blocks beyond retention, and snapshots.
 * Tasks are serialised on one promise chain, so a snapshot sees no cut half done and two cuts
 * never race. A failed task is reported through the log option and leaves everything as it was
 * (a failed cut is retried by the next one, from the first range not yet persisted).
 */
import { mkdir, link, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../block/index.ts';
import { compactionRanges, compactOnce } from '../compact/index.ts';
import type { WAL } from '../wal/index.ts';
import type { BlockSet } from './blocks.ts';
import type { Head } from './head.ts';
import { planCut, writeHeadRange } from './head-cut.ts';
import type { ResolvedOptions } from './options.ts';
import { beyondRetention } from './retention.ts';

/** MaintenanceStats: what background work has done since open. */
export interface MaintenanceStats {
  blocksCut: number;
  /** Blocks written by compaction, and the blocks they replaced. */
  blocksCompacted: number;
  blocksMerged: number;
  blocksDeleted: number;
  checkpoints: number;
  failures: number;
}

/** SnapshotResult: what db.snapshot wrote. */
export interface SnapshotResult {
  dir: string;
  /** Blocks hard-linked from the data directory. */
  linked: number;
  /** The head written as a block (null when the head held no samples to add). */
  headBlock: string | null;
}

/** Readers: the DB's open queriers, each a promise settled when it is closed. */
export interface Readers {
  open(): Promise<void>[];
  /** forget stops tracking those of `readers` still open and returns how many there were. */
  forget(readers: readonly Promise<void>[]): number;
}

/** Compaction steps per maintenance run, so a backlog does not hold up cuts for long. */
const MAX_COMPACTIONS = 8;

export class Maintenance {
  readonly stats: MaintenanceStats = { blocksCut: 0, blocksCompacted: 0, blocksMerged: 0, blocksDeleted: 0, checkpoints: 0, failures: 0 };
  readonly #dir: string;
  readonly #head: Head;
  readonly #wal: WAL;
  readonly #blocks: BlockSet;
  readonly #opts: ResolvedOptions;
  readonly #readers: Readers;
  #chain: Promise<unknown> = Promise.resolve();
  #cutQueued = false;

  /** `readers` tracks the open queriers. */
  constructor(dir: string, head: Head, wal: WAL, blocks: BlockSet, opts: ResolvedOptions, readers: Readers) {
    this.#readers = readers;
    this.#dir = dir;
    this.#head = head;
    this.#wal = wal;
    this.#blocks = blocks;
    this.#opts = opts;
  }

  /** cutDue: whether the head spans 1.5 block ranges (cheap; called after every commit). */
  cutDue(): boolean {
    const h = this.#head;
    const range = this.#opts.blockRangeMs;
    return h.maxT - Math.floor(h.minT / range) * range >= range * 1.5;
  }

  /** scheduleCut queues a cut, retention and compaction unless a cut is already queued. */
  scheduleCut(): void {
    if (this.#cutQueued) return;
    this.#cutQueued = true;
    void this.run('cut the head', async () => {
      this.#cutQueued = false;
      await this.#cut();
      await this.#retain();
    }).catch(() => undefined);
    this.scheduleCompaction();
  }

  /** scheduleCompaction queues retention and compaction steps (at open, and after cuts). */
  scheduleCompaction(): void {
    void this.run('apply retention', () => this.#retain()).catch(() => undefined);
    void this.run('compact blocks', () => this.#compact()).catch(() => undefined);
  }

  /** compactNow runs compaction steps until the planner has nothing left; resolves with blocks written. */
  compactNow(): Promise<number> {
    return this.run('compact blocks', () => this.#compact());
  }

  /**
   * run queues `task` after the tasks before it and resolves with its result; a failure is
   * counted, reported through the log option and rethrown to the caller.
   */
  run<T>(what: string, task: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(task).catch((err: Error) => {
      this.stats.failures++;
      this.#opts.log(`TSDB ${this.#dir}: ${what} failed: ${err.message}`);
      throw err;
    });
    this.#chain = p.catch(() => undefined);
    return p;
  }

  /** idle resolves once every queued task has finished. */
  idle(): Promise<void> {
    return this.#chain.then(() => undefined);
  }

  /** cutNow: cut what is due, then apply retention; resolves with the number of blocks written. */
  cutNow(): Promise<number> {
    return this.run('cut the head', async () => {
      const n = await this.#cut();
      await this.#retain();
      return n;
    });
  }

  /** retainNow applies retention; resolves with the ids deleted. */
  retainNow(): Promise<string[]> {
    return this.run('apply retention', () => this.#retain());
  }

  /**
   * snapshot writes a consistent copy of the data into `target` (created; it must not exist or
   * must be empty): every block hard-linked, and the head's samples since the newest block
   * written as one more block. The WAL is not copied: the copy opens as a DB with empty WAL.
   */
  snapshot(target: string): Promise<SnapshotResult> {
    return this.run(`snapshot to ${target}`, async () => {
      await mkdir(target, { recursive: true });
      const existing = await readdir(target);
      if (existing.length) throw new Error(`snapshot directory ${target} is not empty (${existing.length} entries)`);
      const blocks = this.#blocks.blocks();
      for (const b of blocks) {
        const to = join(target, b.id);
        await mkdir(to);
        for (const f of await readdir(b.dir)) await link(join(b.dir, f), join(to, f));
        await syncDir(to);
      }
      const h = this.#head;
      let headBlock: string | null = null;
      if (h.maxT >= h.minValidTime) {
        const meta = await writeHeadRange(h, target, h.minValidTime, h.maxT);
        headBlock = meta?.ulid ?? null;
      }
      await syncDir(target);
      return { dir: target, linked: blocks.length, headBlock };
    });
  }

  /** #cut persists the due block ranges, then frees the head and checkpoints the WAL. */
  async #cut(): Promise<number> {
    const h = this.#head;
    const core = h.mem.core;
    const all = () => h.mem.index.allPostings();
    const range = this.#opts.blockRangeMs;
    const plan = planCut(h.minT, h.maxT, range, (mint, maxt) => core.overlapping(all(), mint, maxt).length > 0);
    if (!plan) return 0;
    // From here on, appends older than plan.end are refused: the blocks below own that time.
    if (plan.end > h.minValidTime) h.minValidTime = plan.end;
    let written = 0;
    for (const start of plan.starts) {
      const meta = await writeHeadRange(h, this.#dir, start, start + range - 1, { minTime: start, maxTime: start + range });
      if (meta) {
        await this.#blocks.add(meta.ulid);
        written++;
        this.stats.blocksCut++;
      }
      h.minT = Math.max(h.minT, start + range); // a failure after this resumes with the next range
      h.readFloor = Math.max(h.readFloor, start + range); // new queriers read this range from the block
    }
    h.minT = Math.max(h.minT, plan.end);
    h.readFloor = Math.max(h.readFloor, plan.end); // the ranges skipped held no data
    // Queriers opened before the blocks above existed read this time from the head: let them finish.
    await this.#waitForReaders();
    core.truncateBefore(plan.end);
    const before = await this.#wal.cut();
    const cp = await this.#wal.checkpoint(before, (ref) => h.isLiveWalRef(ref), plan.end - 1);
    if (cp) this.stats.checkpoints++;
    return written;
  }

  /**
   * #waitForReaders resolves once the queriers open now are closed, or after readerWaitMs: a
   * querier its caller never closes must not keep the head from being freed. Those still open
   * then are reported and forgotten (so each costs one wait); a query still running on one may
   * miss the freed range.
   */
  async #waitForReaders(): Promise<void> {
    const open = this.#readers.open();
    if (open.length === 0) return;
    const wait = this.#opts.readerWaitMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), wait)));
    const closed = await Promise.race([Promise.all(open).then(() => true), timeout]);
    clearTimeout(timer);
    if (!closed) {
      const left = this.#readers.forget(open);
      this.#opts.log(`TSDB ${this.#dir}: freeing the head with ${left} queriers open for over ${wait} ms (not closed by their callers?)`);
    }
  }

  /**
   * #compact merges blocks as the planner says (shared/tsdb/compact), up to MAX_COMPACTIONS
   * steps, and swaps the new blocks for the merged ones in the set: the new block is added
   * before the old ones leave, so queries never miss the data.
   */
  async #compact(): Promise<number> {
    const ranges = compactionRanges(this.#opts.retentionMs, this.#opts.blockRangeMs);
    let written = 0;
    for (let step = 0; step < MAX_COMPACTIONS; step++) {
      const res = await compactOnce(this.#dir, { ranges, core: this.#head.mem.core });
      if (res.created) {
        await this.#blocks.add(res.created.ulid);
        written++;
        this.stats.blocksCompacted++;
      }
      this.#blocks.forget(res.deleted);
      this.stats.blocksMerged += res.deleted.length;
      if (!res.created) break;
    }
    return written;
  }

  /** #retain deletes the blocks beyond the time and size bounds. */
  async #retain(): Promise<string[]> {
    const o = this.#opts;
    if (o.retentionMs === 0 && o.retentionBytes === 0) return [];
    const metas = this.#blocks.metas();
    if (metas.length === 0) return [];
    const newestT = Math.max(this.#head.maxT, this.#blocks.maxTime() - 1);
    const otherBytes = o.retentionBytes > 0 ? await dirBytes(this.#wal.dir) : 0;
    const ids = beyondRetention(metas, { retentionMs: o.retentionMs, retentionBytes: o.retentionBytes, newestT, otherBytes });
    if (ids.length) {
      await this.#blocks.remove(ids);
      this.stats.blocksDeleted += ids.length;
    }
    return ids;
  }
}

/** dirBytes: the bytes of the files under `dir`, recursively. */
async function dirBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sum += await dirBytes(p);
    else sum += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return sum;
}
