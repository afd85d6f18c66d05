/**
 * Epochs: how the backlog's log splits into ranges of segment files, each with the highest batch
 * id it holds, so that the backlog knows which files hold only finished batches (to fold into a
 * checkpoint), which to read for a backfill, and how many bytes each range takes. The last epoch
 * is the active one, which the log appends to. Segment numbers and sizes come from the directory.
 */
import { readdir, stat } from 'node:fs/promises';
import { nodeFS } from '../../shared/tsdb/wal/fs.ts';
import { parseListing, readSegment, segmentPath } from '../../shared/tsdb/wal/segment.ts';

interface Epoch {
  /** The first segment number of the epoch; it runs to the next epoch's start. */
  start: number;
  /** The highest batch id logged in it (0: none). */
  maxId: number;
  bytes: number;
  /** Dropped for space: its bytes no longer count, it folds with the next checkpoint. */
  dropped: boolean;
}

export class Epochs {
  readonly #dir: string;
  #list: Epoch[];

  private constructor(dir: string, list: Epoch[]) {
    this.#dir = dir;
    this.#list = list;
  }

  /**
   * scan builds the epochs of a log just replayed: one per existing segment (its highest batch id
   * read from the file), then the active epoch starting at `next`, the segment the log writes next.
   */
  static async scan(dir: string, next: number): Promise<Epochs> {
    const list: Epoch[] = [];
    for (const n of parseListing(await readdir(dir)).segments) {
      if (n >= next) continue;
      const path = segmentPath(dir, n);
      const buf = await nodeFS.readFile(path);
      let maxId = 0;
      for (const rec of readSegment(path, n, buf)) if (rec.type === 'position' && rec.name === 'b') maxId = Math.max(maxId, rec.seq);
      list.push({ start: n, maxId, bytes: buf.length, dropped: false });
    }
    list.push({ start: next, maxId: 0, bytes: 0, dropped: false });
    return new Epochs(dir, list);
  }

  get #active(): Epoch {
    return this.#list[this.#list.length - 1];
  }

  /** note records that batch `id` goes into the active epoch. */
  note(id: number): void {
    if (id > this.#active.maxId) this.#active.maxId = id;
  }

  /** cut starts a new active epoch at segment `next`; `maxId` is the last id before the cut. */
  cut(next: number, maxId: number): void {
    if (maxId > this.#active.maxId) this.#active.maxId = maxId;
    if (next <= this.#active.start) return; // nothing was written since the last cut
    this.#list.push({ start: next, maxId: 0, bytes: 0, dropped: false });
  }

  get activeBytes(): number {
    return this.#active.bytes;
  }

  /** totalBytes: bytes of every epoch not dropped. */
  get totalBytes(): number {
    let n = 0;
    for (const e of this.#list) if (!e.dropped) n += e.bytes;
    return n;
  }

  /** closedCount: closed epochs not yet dropped. */
  get closedCount(): number {
    return this.#list.slice(0, -1).filter((e) => !e.dropped).length;
  }

  /** dropOldest marks the oldest closed epoch dropped and returns its highest id. */
  dropOldest(): { maxId: number } {
    const e = this.#list.slice(0, -1).find((x) => !x.dropped);
    if (!e) throw new Error('BUG: dropOldest with no closed epoch');
    e.dropped = true;
    // Ids of earlier epochs are lower: the drop covers everything up to this epoch's highest id.
    let maxId = 0;
    for (const x of this.#list) {
      maxId = Math.max(maxId, x.maxId);
      if (x === e) break;
    }
    return { maxId };
  }

  /**
   * foldableBefore returns the start of the first epoch that still holds a batch above
   * `watermark` (or the active epoch), when at least one closed epoch lies before it.
   */
  foldableBefore(watermark: number): number | undefined {
    let i = 0;
    while (i < this.#list.length - 1 && this.#list[i].maxId <= watermark) i++;
    return i === 0 ? undefined : this.#list[i].start;
  }

  /** folded forgets the epochs before segment `before` (the checkpoint replaced them). */
  folded(before: number): void {
    this.#list = this.#list.filter((e) => e.start >= before);
  }

  /** refreshSizes reads the size of every segment file. */
  async refreshSizes(): Promise<void> {
    const segs = parseListing(await readdir(this.#dir)).segments;
    for (const e of this.#list) e.bytes = 0;
    for (const n of segs) {
      const e = this.#epochOf(n);
      if (!e) continue;
      try {
        e.bytes += (await stat(segmentPath(this.#dir, n))).size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }

  /** files lists the segment files of epochs that may hold batches above `watermark`, oldest first. */
  async files(watermark: number): Promise<string[]> {
    const first = this.#list.find((e, i) => e.maxId > watermark || i === this.#list.length - 1)!;
    const segs = parseListing(await readdir(this.#dir)).segments;
    return segs.filter((n) => n >= first.start).map((n) => segmentPath(this.#dir, n));
  }

  #epochOf(n: number): Epoch | undefined {
    let found: Epoch | undefined;
    for (const e of this.#list) if (e.start <= n) found = e;
    return found;
  }
}
