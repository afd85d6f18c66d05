/**
 * SegmentWriter appends framed records to the numbered segment files of one directory: it cuts a
 * new segment when the next record would pass the size bound, resets the XOR value state at each
 * new segment, and makes a failed write leave no trace — the bytes of a failed batch are truncated
 * away and files it created are removed, so a batch is either wholly on disk or not at all, and
 * the next batch starts a fresh segment. Used by the live WAL and by checkpoint writing. Not safe
 * for concurrent use: its caller serialises calls.
 */
import { ByteWriter } from './bytes.ts';
import { writeSegmentHeader } from './frame.ts';
import type { WalFile, WalFS } from './fs.ts';
import { encodeRecord, type ValueEncoding } from './record-encode.ts';
import type { WALRecord } from './record.ts';
import { segmentName, segmentPath } from './segment.ts';
import { XorState } from './xor-state.ts';

/** SegmentWriterOptions: size bound, value coding and whether cuts are made durable. */
export interface SegmentWriterOptions {
  segmentSize: number;
  values: ValueEncoding;
  /** durable: fsync a segment when cutting away from it and the directory after creating one. */
  durable: boolean;
}

/** The most buffer memory a writer keeps between batches. */
const KEEP_BYTES = 256 << 10;

interface Part {
  segment: number;
  fileOffset: number;
  start: number;
  end: number;
}

export class SegmentWriter {
  readonly #fs: WalFS;
  readonly #dir: string;
  readonly #opts: SegmentWriterOptions;
  readonly #w = new ByteWriter(1 << 16);
  readonly #xor = new XorState();
  #file: WalFile | null = null;
  #segment = -1;
  #offset = 0;
  #records = 0;
  #last: number;
  #dirty = false;
  #broken: Error | null = null;

  /** The writer's first new segment will be `last + 1`. */
  constructor(fs: WalFS, dir: string, opts: SegmentWriterOptions, last: number) {
    this.#fs = fs;
    this.#dir = dir;
    this.#opts = opts;
    this.#last = last;
  }

  /** last: the highest segment number on disk (one below the first segment when none was made). */
  get last(): number {
    return this.#last;
  }

  /** active: the segment being appended to, or -1 when the next batch starts a new one. */
  get active(): number {
    return this.#file ? this.#segment : -1;
  }

  /**
   * write appends `records` and, with `sync`, fsyncs before resolving. On failure nothing of the
   * batch remains on disk and the error names the segment and the operation; if even the
   * clean-up fails, the writer refuses all further writes (reopen the WAL to repair it). A
   * Uint8Array in `records` is one whole frame, already encoded, that is copied as it is (a
   * checkpoint copies kept series records so); it must not be a samples frame, whose XOR-coded
   * values depend on the segment they were written to.
   */
  async write(records: readonly (WALRecord | Uint8Array)[], sync: boolean): Promise<void> {
    if (this.#broken) throw new Error(`WAL ${this.#dir} is unusable until reopened: ${this.#broken.message}`, { cause: this.#broken });
    let parts: Part[];
    try {
      parts = this.#encode(records);
    } catch (err) {
      // Encoding advanced the XOR state of the active segment: never append to it again.
      await this.close();
      throw err;
    }
    const startSegment = this.#file ? this.#segment : -1;
    const startOffset = this.#offset;
    const startLast = this.#last;
    const created: number[] = [];
    let what = '';
    try {
      for (const p of parts) {
        if (p.segment !== this.#segment || !this.#file) {
          if (this.#file) {
            what = `fsync WAL segment ${segmentName(this.#segment)}`;
            if (this.#opts.durable) await this.#file.sync();
            await this.#closeFile();
          }
          what = `create WAL segment ${segmentName(p.segment)}`;
          this.#file = await this.#fs.create(segmentPath(this.#dir, p.segment));
          this.#segment = p.segment;
          this.#last = p.segment;
          created.push(p.segment);
          if (this.#opts.durable) await this.#fs.syncDir(this.#dir);
        }
        what = `write WAL segment ${segmentName(p.segment)}`;
        this.#dirty = true;
        await this.#file.write(this.#w.buf.subarray(p.start, p.end), p.fileOffset);
        this.#offset = p.fileOffset + (p.end - p.start);
      }
      // A large batch (a head's first series records, a checkpoint's) grew the buffer: keep what
      // a scrape's batch needs, not megabytes for the life of the process (issue 6).
      this.#w.shrink(KEEP_BYTES);
      if (sync && this.#file) {
        what = `fsync WAL segment ${segmentName(this.#segment)}`;
        await this.#file.sync();
        this.#dirty = false;
      }
    } catch (err) {
      await this.#rollback(startSegment, startOffset, startLast, created);
      throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** sync fsyncs the active segment if anything was written since the last sync. */
  async sync(): Promise<void> {
    if (!this.#file || !this.#dirty) return;
    try {
      await this.#file.sync();
      this.#dirty = false;
    } catch (err) {
      // The page cache may have dropped the data: start afresh rather than append after it.
      await this.#closeFile();
      throw new Error(`fsync WAL segment ${segmentName(this.#segment)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** cut closes the active segment (fsynced when durable); the next batch starts segment last+1. */
  async cut(): Promise<number> {
    if (this.#file) {
      if (this.#opts.durable) await this.sync();
      await this.#closeFile();
    }
    return this.#last + 1;
  }

  /** close syncs (when durable) and closes the active segment. */
  async close(): Promise<void> {
    if (!this.#file) return;
    try {
      if (this.#opts.durable) await this.sync();
    } finally {
      await this.#closeFile();
    }
  }

  /** #encode frames every record into #w, split into parts by destination segment. */
  #encode(records: readonly (WALRecord | Uint8Array)[]): Part[] {
    const w = this.#w;
    const { segmentSize, values } = this.#opts;
    w.reset();
    const parts: Part[] = [];
    // The part being filled: where it lands, and how many records its segment holds so far.
    const cur = { segment: this.#segment, fileOffset: this.#offset, start: 0, records: this.#records };
    const fresh = (segment: number): void => {
      cur.segment = segment;
      cur.fileOffset = 0;
      cur.start = w.len;
      cur.records = 0;
      this.#xor.reset();
      writeSegmentHeader(w);
    };
    const put = (rec: WALRecord | Uint8Array): void => (rec instanceof Uint8Array ? w.bytes(rec) : encodeRecord(w, rec, this.#xor, values));
    if (!this.#file) fresh(this.#last + 1);
    for (const rec of records) {
      const before = w.len;
      put(rec);
      if (cur.records > 0 && cur.fileOffset + (w.len - cur.start) > segmentSize) {
        // The record does not fit: end the part before it and re-encode it in a new segment.
        w.len = before;
        parts.push({ segment: cur.segment, fileOffset: cur.fileOffset, start: cur.start, end: before });
        fresh(cur.segment + 1);
        put(rec);
      }
      cur.records++;
    }
    parts.push({ segment: cur.segment, fileOffset: cur.fileOffset, start: cur.start, end: w.len });
    this.#records = cur.records;
    return parts;
  }

  async #rollback(startSegment: number, startOffset: number, startLast: number, created: number[]): Promise<void> {
    try {
      await this.#closeFile();
      for (const n of created) await this.#fs.remove(segmentPath(this.#dir, n));
      if (startSegment >= 0) await this.#fs.truncate(segmentPath(this.#dir, startSegment), startOffset);
      if (created.length > 0) await this.#fs.syncDir(this.#dir);
      this.#last = startLast;
      this.#segment = -1;
      this.#offset = 0;
      this.#records = 0;
    } catch (err) {
      this.#broken = new Error(`undo of a failed write: ${(err as Error).message}`, { cause: err });
    }
  }

  async #closeFile(): Promise<void> {
    const f = this.#file;
    this.#file = null;
    this.#dirty = false;
    if (f) {
      try {
        await f.close();
      } catch {
        // Closing after a failed write or sync may fail again; the error that matters was reported.
      }
    }
  }
}
