/**
 * WAL: the TSDB's segmented write-ahead log. Open it on a directory, replay what it holds (the
 * newest checkpoint, then the segments after it; damage is repaired and reported), then log
 * records. Concurrent log() calls are group-committed: whatever queued while the previous write
 * was in flight goes out as one write and, under the `always` policy, one fsync. Checkpoints fold
 * old segments into a summary. See docs/wal-format.md for the bytes.
 */
import { join } from 'node:path';
import type { CorruptionError } from './errors.ts';
import { WALClosedError } from './errors.ts';
import { nodeFS, type WalFS } from './fs.ts';
import { writeCheckpoint, type CheckpointStats } from './checkpoint.ts';
import { checkRecord, type ValueEncoding } from './record-encode.ts';
import type { WALRecord } from './record.ts';
import { replayDir, wrap, type ReplayResult, type ReplaySource } from './replay.ts';
import { checkContiguous, checkpointName, parseListing, segmentPath } from './segment.ts';
import { SegmentWriter } from './writer.ts';

/**
 * SyncPolicy: when log() resolves. `always`: after the batch is written and fsynced. `batch`:
 * after the write; an fsync follows within syncIntervalMs. `never`: after the write; the OS
 * flushes when it likes.
 */
export type SyncPolicy = 'always' | 'batch' | 'never';

export interface WALOptions {
  /** Segment size bound in bytes (default 128 MiB). A single larger record gets a segment of its own. */
  segmentSize?: number;
  /** Default 'always'. */
  sync?: SyncPolicy;
  /** For the `batch` policy: the longest a written batch waits for its fsync (default 100 ms). */
  syncIntervalMs?: number;
  /** How samples records store values (default 'xor'). */
  values?: ValueEncoding;
  /** The file system (default: the real one); tests inject failures here. */
  fs?: WalFS;
  /** Where repaired damage and background fsync failures are reported (default console.warn). */
  log?: (message: string) => void;
}

export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;

interface Waiter {
  records: readonly WALRecord[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export class WAL {
  readonly dir: string;
  readonly #fs: WalFS;
  readonly #policy: SyncPolicy;
  readonly #interval: number;
  readonly #segmentSize: number;
  readonly #values: ValueEncoding;
  readonly #log: (message: string) => void;
  #checkpoint: number | undefined;
  #first: number;
  #segments: number[];
  #writer: SegmentWriter;

  #replay: 'pending' | 'running' | 'done' = 'pending';
  #implicitReplay: Promise<ReplayResult> | undefined;
  #queue: Waiter[] = [];
  #cuts: ((n: number) => void)[] = [];
  #running: Promise<void> | undefined;
  #syncDue = false;
  #syncTimer: NodeJS.Timeout | undefined;
  #lastSync = 0;
  #syncError: Error | undefined;
  #checkpointing: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Damage found by replay, in the order found. */
  readonly corruptions: CorruptionError[] = [];

  private constructor(dir: string, opts: WALOptions, checkpoint: number | undefined, segments: number[]) {
    this.dir = dir;
    this.#fs = opts.fs ?? nodeFS;
    this.#policy = opts.sync ?? 'always';
    this.#interval = opts.syncIntervalMs ?? 100;
    this.#segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    this.#values = opts.values ?? 'xor';
    this.#log = opts.log ?? ((m) => console.warn(m));
    this.#checkpoint = checkpoint;
    this.#segments = segments;
    this.#first = segments.length ? segments[0] : checkpoint !== undefined ? checkpoint + 1 : 0;
    this.#writer = this.#newWriter(this.#first - 1);
    if (!(this.#segmentSize >= 64)) throw new Error(`BUG: WAL segment size ${this.#segmentSize} is too small`);
    if (!['always', 'batch', 'never'].includes(this.#policy)) throw new Error(`BUG: unknown WAL sync policy ${this.#policy}`);
  }

  /**
   * WAL.open opens (creating it if needed) the WAL in `dir`. It removes leftovers of interrupted
   * checkpoints but reads no records: call replay() or records() next. Failures are wrapped with
   * the directory named.
   */
  static async open(dir: string, opts: WALOptions = {}): Promise<WAL> {
    const fs = opts.fs ?? nodeFS;
    return wrap(`open WAL ${dir}`, async () => {
      await fs.mkdir(dir);
      const list = parseListing(await fs.readdir(dir));
      for (const name of list.temporary) await fs.remove(join(dir, name));
      const checkpoint = list.checkpoints.at(-1);
      let segments = list.segments;
      if (checkpoint !== undefined) {
        // A checkpoint interrupted after its rename: finish removing what it replaced.
        for (const n of list.checkpoints.slice(0, -1)) await fs.remove(join(dir, checkpointName(n)));
        for (const n of segments) if (n <= checkpoint) await fs.remove(segmentPath(dir, n));
        segments = segments.filter((n) => n > checkpoint);
        if (segments.length && segments[0] !== checkpoint + 1) {
          throw new Error(`segment ${segments[0]} does not follow checkpoint ${checkpoint}`);
        }
      }
      checkContiguous(dir, segments);
      return new WAL(dir, opts, checkpoint, segments);
    });
  }

  /**
   * records replays the WAL: it yields every record in order, repairs damage (reported in the
   * result, in `corruptions` and through the log option; never thrown) and returns a summary.
   * Call it once, before the first log(). Read failures throw, naming the file.
   */
  async *records(): AsyncGenerator<WALRecord, ReplayResult, undefined> {
    if (this.#replay !== 'pending') throw new Error(`BUG: WAL ${this.dir} replayed twice or after writing`);
    this.#replay = 'running';
    let result: ReplayResult | undefined;
    try {
      const src: ReplaySource = { checkpoint: this.#checkpoint, segments: this.#segments, first: this.#first };
      result = yield* replayDir(this.#fs, this.dir, src, (err) => {
        this.corruptions.push(err);
        this.#log(`${err.message}; repaired: kept everything before it, removed what followed`);
      });
      this.#segments = this.#segments.filter((n) => n <= result!.last);
      this.#writer = this.#newWriter(result.last);
      return result;
    } finally {
      this.#replay = result ? 'done' : 'pending';
    }
  }

  /** replay runs records() and passes each record to `fn`. */
  async replay(fn: (rec: WALRecord) => void): Promise<ReplayResult> {
    const it = this.records();
    for (;;) {
      const r = await it.next();
      if (r.done) return r.value;
      fn(r.value);
    }
  }

  /**
   * log appends `records` in order and resolves when the sync policy's durability holds for them.
   * Records of concurrent calls are written in call order, each call's records contiguous. It
   * rejects on a malformed record ("BUG:"), when closed (WALClosedError), and on a failed write or
   * fsync, naming the segment and the cause (ENOSPC, EACCES, …); a rejected call left nothing on
   * disk, and later calls may succeed. Before the first write, a WAL that was never replayed is
   * read through (and repaired) once, discarding the records.
   */
  async log(records: readonly WALRecord[]): Promise<void> {
    if (this.#closed) throw new WALClosedError('log');
    for (const rec of records) checkRecord(rec);
    if (this.#replay !== 'done') {
      if (this.#replay === 'running' && !this.#implicitReplay) throw new Error('BUG: WAL.log called while replay is still running');
      await (this.#implicitReplay ??= this.replay(() => undefined));
      if (this.#closed) throw new WALClosedError('log');
    }
    if (this.#syncError) {
      const err = this.#syncError;
      this.#syncError = undefined;
      throw err;
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ records, resolve, reject });
      this.#kick();
    });
  }

  /**
   * cut closes the active segment once queued writes are done, so that the next write starts a
   * new one, and resolves with that new segment's number: checkpoint(cut()) then covers every
   * record logged before the call.
   */
  async cut(): Promise<number> {
    if (this.#closed) throw new WALClosedError('cut');
    return new Promise<number>((resolve) => {
      this.#cuts.push(resolve);
      this.#kick();
    });
  }

  /** segments: the first and last segment numbers on disk (last < first when there are none). */
  segments(): { first: number; last: number } {
    return { first: this.#first, last: this.#writer.last };
  }

  /**
   * checkpoint folds every segment numbered below `beforeSegment` (and the previous checkpoint)
   * into a new checkpoint that keeps the series for which keepSeries(ref) holds, their samples
   * newer than keepSamplesAfter and the last position per name, then deletes what it folded.
   * `beforeSegment` may not pass the active segment (use cut() first). Returns undefined when
   * there is nothing to fold. Checkpoints run one at a time; log() goes on meanwhile.
   */
  async checkpoint(beforeSegment: number, keepSeries: (ref: number) => boolean, keepSamplesAfter: number): Promise<CheckpointStats | undefined> {
    if (this.#closed) throw new WALClosedError('checkpoint');
    if (this.#replay !== 'done') throw new Error('BUG: WAL.checkpoint called before replay');
    const run = this.#checkpointing.then(async () => {
      const active = this.#writer.active;
      const limit = active >= 0 ? active : this.#writer.last + 1;
      if (beforeSegment > limit) {
        throw new Error(`BUG: checkpoint before segment ${beforeSegment} would include the active segment ${limit}`);
      }
      const segments: number[] = [];
      for (let n = this.#first; n < beforeSegment; n++) segments.push(n);
      if (segments.length === 0) return undefined;
      const src: ReplaySource = { checkpoint: this.#checkpoint, segments, first: this.#first };
      const stats = await writeCheckpoint(this.#fs, this.dir, { segmentSize: this.#segmentSize, values: this.#values }, src, beforeSegment - 1, {
        keepSeries,
        keepSamplesAfter,
      });
      this.#checkpoint = beforeSegment - 1;
      this.#first = beforeSegment;
      return stats;
    });
    this.#checkpointing = run.catch(() => undefined);
    return run;
  }

  /** close waits for queued writes, syncs (unless the policy is `never`) and closes the segment. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#syncTimer);
    await this.#running;
    await this.#checkpointing;
    await this.#writer.close();
  }

  #newWriter(last: number): SegmentWriter {
    return new SegmentWriter(this.#fs, this.dir, { segmentSize: this.#segmentSize, values: this.#values, durable: this.#policy !== 'never' }, last);
  }

  #kick(): void {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
      if (this.#queue.length || this.#cuts.length || this.#syncDue) this.#kick();
    });
  }

  /** #run is the single writer loop: one group write per turn, then due fsyncs and cuts. */
  async #run(): Promise<void> {
    for (;;) {
      if (this.#queue.length) {
        const group = this.#queue;
        this.#queue = [];
        const records = group.length === 1 ? group[0].records : group.flatMap((g) => g.records);
        try {
          await this.#writer.write(records, this.#policy === 'always');
        } catch (err) {
          for (const g of group) g.reject(err as Error);
          continue;
        }
        if (this.#policy === 'always') this.#lastSync = Date.now();
        if (this.#policy === 'batch') this.#scheduleSync();
        for (const g of group) g.resolve();
      } else if (this.#syncDue) {
        this.#syncDue = false;
        this.#lastSync = Date.now();
        try {
          await this.#writer.sync();
        } catch (err) {
          this.#syncError = err as Error;
          this.#log(`WAL ${this.dir}: background ${(err as Error).message}`);
        }
      } else if (this.#cuts.length) {
        const cuts = this.#cuts;
        this.#cuts = [];
        const next = await this.#writer.cut().catch((err: Error) => {
          // The segment is closed either way; the failed fsync is reported to the next log().
          this.#syncError = err;
          return this.#writer.last + 1;
        });
        for (const c of cuts) c(next);
      } else {
        return;
      }
    }
  }

  #scheduleSync(): void {
    if (this.#syncTimer !== undefined || this.#closed) return;
    const delay = Math.max(0, this.#lastSync + this.#interval - Date.now());
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      this.#syncDue = true;
      this.#kick();
    }, delay);
    this.#syncTimer.unref();
  }
}
