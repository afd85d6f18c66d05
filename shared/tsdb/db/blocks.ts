/**
 * BlockSet: the persisted blocks of a data directory that the DB has open, sorted by time. It
 * hands queriers a pinned view (a block stays open until every querier using it is closed, even
 * after retention or compaction removed it from the set), and deletes blocks crash-safely. A
 * block that fails to open (damaged) is reported and left on disk untouched, never deleted.
 */
import { join } from 'node:path';
import type { Core } from '../../../core-wasm/host/index.ts';
import type { Matcher } from '../../model/matcher.ts';
import type { Querier, SampleBatch, SelectHints, SeriesSet, StepMatrix, SumCells } from '../../storage/interface.ts';
import { deleteBlockDir, openBlock, scanBlockDirs, type Block, type BlockMeta } from '../block/index.ts';

interface Entry {
  block: Block;
  /** Queriers using the block. */
  pins: number;
  /** Removed from the set: close once unpinned. */
  retired: boolean;
}

export class BlockSet {
  readonly dir: string;
  readonly #core: Core;
  #entries: Entry[] = [];

  private constructor(dir: string, core: Core) {
    this.dir = dir;
    this.#core = core;
  }

  /**
   * BlockSet.open opens every block in `dir` (after the block scan clears leftovers of
   * interrupted writes). Blocks that fail to open are passed to `report` and skipped.
   */
  static async open(dir: string, core: Core, report: (message: string) => void): Promise<BlockSet> {
    const set = new BlockSet(dir, core);
    for (const id of await scanBlockDirs(dir)) {
      try {
        set.#entries.push({ block: await openBlock(join(dir, id), { core }), pins: 0, retired: false });
      } catch (err) {
        report(`block ${join(dir, id)} is not readable and is left out (kept on disk): ${(err as Error).message}`);
      }
    }
    set.#sort();
    return set;
  }

  /** metas: the open blocks' metas, oldest first. */
  metas(): BlockMeta[] {
    return this.#entries.map((e) => e.block.meta);
  }

  /** maxTime: the end (exclusive) of the newest block's range, or -Infinity when there is none. */
  maxTime(): number {
    let t = -Infinity;
    for (const e of this.#entries) if (e.block.meta.maxTime > t) t = e.block.meta.maxTime;
    return t;
  }

  /** bytes: index and chunk bytes of every open block. */
  bytes(): number {
    let b = 0;
    for (const e of this.#entries) b += e.block.bytes;
    return b;
  }

  /** blocks: the open blocks, oldest first (for snapshots and compaction; do not close them). */
  blocks(): Block[] {
    return this.#entries.map((e) => e.block);
  }

  /**
   * queriers returns a querier per block overlapping [mint, maxt], oldest first, pinning each
   * block until its querier is closed.
   */
  queriers(mint: number, maxt: number): Querier[] {
    const out: Querier[] = [];
    for (const e of this.#entries) {
      const m = e.block.meta;
      if (m.maxTime <= mint || m.minTime > maxt) continue;
      e.pins++;
      out.push(new PinnedBlockQuerier(e.block, mint, maxt, () => this.#unpin(e)));
    }
    return out;
  }

  /** add opens the block `id` just written under the set's directory and adds it. */
  async add(id: string): Promise<Block> {
    const block = await openBlock(join(this.dir, id), { core: this.#core });
    this.#entries.push({ block, pins: 0, retired: false });
    this.#sort();
    return block;
  }

  /**
   * remove takes the blocks `ids` out of the set (new queriers no longer see them) and deletes
   * their directories; each block is closed once its last querier closes.
   */
  async remove(ids: readonly string[]): Promise<void> {
    this.forget(ids);
    for (const id of ids) await deleteBlockDir(this.dir, id);
  }

  /**
   * forget takes the blocks `ids` out of the set without touching their directories (compaction
   * deleted them already); each is closed once its last querier closes. Unknown ids are ignored.
   */
  forget(ids: readonly string[]): void {
    const gone = this.#entries.filter((e) => ids.includes(e.block.id));
    this.#entries = this.#entries.filter((e) => !ids.includes(e.block.id));
    for (const e of gone) {
      e.retired = true;
      if (e.pins === 0) e.block.close();
    }
  }

  /** close closes every block (queriers must be closed first). */
  close(): void {
    for (const e of this.#entries) e.block.close();
    this.#entries = [];
  }

  #unpin(e: Entry): void {
    e.pins--;
    if (e.pins === 0 && e.retired) e.block.close();
  }

  #sort(): void {
    this.#entries.sort((a, b) => a.block.meta.minTime - b.block.meta.minTime || a.block.meta.maxTime - b.block.meta.maxTime);
  }
}

/** PinnedBlockQuerier: a block's querier (shared/tsdb/block) that unpins the block when closed. */
class PinnedBlockQuerier implements Querier {
  readonly #inner: Querier;
  readonly #unpin: () => void;
  #closed = false;

  constructor(block: Block, mint: number, maxt: number, unpin: () => void) {
    this.#inner = block.querier(mint, maxt);
    this.#unpin = unpin;
  }

  select(matchers: readonly Matcher[], hints: SelectHints = {}): SeriesSet {
    return this.#inner.select(matchers, hints);
  }

  labelNames(matchers?: readonly Matcher[]): string[] {
    return this.#inner.labelNames(matchers);
  }

  labelValues(name: string, matchers?: readonly Matcher[]): string[] {
    return this.#inner.labelValues(name, matchers);
  }

  fromColumns(offsets: Int32Array, timestamps: Float64Array, values: Float64Array): SampleBatch {
    return this.#inner.fromColumns(offsets, timestamps, values);
  }

  sumRows(rows: Pick<StepMatrix, 'values' | 'present'>, row: number, count: number, steps: number, groupOf: Int32Array, cells: SumCells): number {
    return this.#inner.sumRows(rows, row, count, steps, groupOf, cells);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inner.close();
    this.#unpin();
  }
}
