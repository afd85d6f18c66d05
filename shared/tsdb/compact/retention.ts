/**
 * Retention helpers: which blocks to delete because they are wholly older than a time, because
 * together with newer blocks they exceed a byte budget, or because a compacted block that
 * replaces them is already durable (a crash came between writing it and deleting them).
 */
import type { BlockMeta } from '../block/index.ts';

/** beyondTime returns the blocks whose samples are all older than `t` (maxTime ≤ t). */
export function beyondTime(metas: readonly BlockMeta[], t: number): BlockMeta[] {
  return metas.filter((m) => m.maxTime <= t);
}

/**
 * beyondBytes returns the oldest blocks to delete so that the rest (newest first) take at most
 * `maxBytes` (index + chunks); a budget of 0 or less keeps everything.
 */
export function beyondBytes(metas: readonly BlockMeta[], maxBytes: number): BlockMeta[] {
  if (maxBytes <= 0) return [];
  const newestFirst = [...metas].sort((a, b) => b.maxTime - a.maxTime || (a.ulid < b.ulid ? 1 : -1));
  let total = 0;
  const out: BlockMeta[] = [];
  for (const m of newestFirst) {
    total += m.stats.indexBytes + m.stats.chunkBytes;
    if (total > maxBytes) out.push(m);
  }
  return out;
}

/** superseded returns the blocks named as parents by another block present (already merged). */
export function superseded(metas: readonly BlockMeta[]): BlockMeta[] {
  const parents = new Set(metas.flatMap((m) => m.compaction.parents));
  return metas.filter((m) => parents.has(m.ulid));
}
