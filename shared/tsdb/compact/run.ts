/**
 * compactOnce: one step of background compaction over a directory of blocks. It scans the
 * directory (clearing leftovers of interrupted writes), deletes blocks a durable compacted block
 * already replaces, asks the planner for a group, merges it into a new block, and only once that
 * block is durable (writeBlock fsyncs it and renames it into place) deletes the sources.
 */
import { join } from 'node:path';
import type { Core } from '../../../core-wasm/host/index.ts';
import { deleteBlockDir, openBlock, readMeta, scanBlockDirs, type Block, type BlockMeta } from '../block/index.ts';
import { compact, type CompactOptions } from './compact.ts';
import { plan } from './planner.ts';
import { superseded } from './retention.ts';

/** CompactOnceOptions: compact's options plus the planner's ranges. */
export interface CompactOnceOptions extends CompactOptions {
  ranges: readonly number[];
  core?: Core;
}

/** CompactOnceResult: what one step did. */
export interface CompactOnceResult {
  /** The new block, or null when the planner found nothing to do. */
  created: BlockMeta | null;
  /** Ids of the blocks deleted (merged sources and superseded ones). */
  deleted: string[];
}

/**
 * compactOnce runs one step over `dir` (see the module comment). Blocks that fail to open are
 * left out of planning (and reported by whoever opens them for reading); the step goes on.
 */
export async function compactOnce(dir: string, o: CompactOnceOptions): Promise<CompactOnceResult> {
  const ids = await scanBlockDirs(dir);
  const metas: BlockMeta[] = [];
  for (const id of ids) {
    try {
      metas.push(await readMeta(join(dir, id)));
    } catch {
      // A damaged block is not compacted; readers report it.
    }
  }
  const deleted: string[] = [];
  for (const m of superseded(metas)) {
    await deleteBlockDir(dir, m.ulid);
    deleted.push(m.ulid);
  }
  const live = metas.filter((m) => !deleted.includes(m.ulid));
  const group = plan(live, o.ranges);
  if (group.length === 0) return { created: null, deleted };
  const blocks: Block[] = [];
  let created: BlockMeta | null;
  try {
    for (const m of group) blocks.push(await openBlock(join(dir, m.ulid), { core: o.core }));
    created = await compact(blocks, dir, o);
  } finally {
    for (const b of blocks) b.close();
  }
  for (const m of group) {
    await deleteBlockDir(dir, m.ulid);
    deleted.push(m.ulid);
  }
  return { created, deleted };
}
