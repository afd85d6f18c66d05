/**
 * The compaction planner: which blocks to merge next, Prometheus-style. Blocks that overlap in
 * time are merged first (vertical compaction). Otherwise blocks are grouped into time windows
 * aligned to multiples of each compaction range (2 h blocks into 6 h, 6 h into 18 h, …, up to a
 * maximum such as 10 % of retention or 31 days); a window whose blocks are two or more and
 * which lies wholly before the newest block's end is merged. The newest block is left alone:
 * the head may still be cutting blocks next to it.
 */
import type { BlockMeta } from '../block/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * compactionRanges returns ranges base, base·factor, base·factor², … up to `max` (inclusive,
 * and at least base). Default: 2 h × 3ⁿ up to 31 days, or 10 % of `retentionMs` when smaller.
 */
export function compactionRanges(retentionMs = 0, base = 2 * HOUR, factor = 3, maxMs = 31 * DAY): number[] {
  const max = Math.max(base, retentionMs > 0 ? Math.min(maxMs, Math.floor(retentionMs / 10)) : maxMs);
  const out = [base];
  while (out[out.length - 1] * factor <= max) out.push(out[out.length - 1] * factor);
  return out;
}

/**
 * plan returns the metas of the blocks to merge next (two or more, oldest first), or [] when
 * nothing needs compaction. `ranges` ascend; ranges[0] is the width of blocks cut from the head.
 */
export function plan(metas: readonly BlockMeta[], ranges: readonly number[]): BlockMeta[] {
  if (metas.length < 2) return [];
  const sorted = [...metas].sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : 1));
  const overlap = overlapping(sorted);
  if (overlap.length > 0) return overlap;
  const newest = sorted[sorted.length - 1];
  const candidates = sorted.slice(0, -1);
  for (const r of ranges.slice(1)) {
    for (const group of splitByRange(candidates, r)) {
      if (group.length < 2) continue;
      const windowEnd = Math.floor(group[0].minTime / r) * r + r;
      if (windowEnd <= newest.maxTime) return group;
    }
  }
  return [];
}

/** overlapping returns the first run of blocks (sorted by minTime) whose ranges overlap, or []. */
function overlapping(sorted: readonly BlockMeta[]): BlockMeta[] {
  let group: BlockMeta[] = [sorted[0]];
  let end = sorted[0].maxTime;
  for (let i = 1; i < sorted.length; i++) {
    const m = sorted[i];
    if (m.minTime < end) {
      group.push(m);
      end = Math.max(end, m.maxTime);
      continue;
    }
    if (group.length > 1) return group;
    group = [m];
    end = m.maxTime;
  }
  return group.length > 1 ? group : [];
}

/** splitByRange groups blocks lying wholly inside the same window [k·r, (k+1)·r). */
function splitByRange(sorted: readonly BlockMeta[], r: number): BlockMeta[][] {
  const groups: BlockMeta[][] = [];
  let cur: BlockMeta[] = [];
  let curWindow = NaN;
  for (const m of sorted) {
    const w = Math.floor(m.minTime / r);
    if (m.maxTime > (w + 1) * r) continue; // wider than or straddling the window
    if (w !== curWindow) {
      if (cur.length > 0) groups.push(cur);
      cur = [];
      curWindow = w;
    }
    cur.push(m);
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}
