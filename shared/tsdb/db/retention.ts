/**
 * Retention: which blocks to delete, whole, so that the data directory keeps at most
 * `retentionMs` of time and at most `retentionBytes` of bytes, whichever bound bites first
 * (Prometheus' --storage.tsdb.retention.time and .size). The head and the WAL are never deleted,
 * but the WAL's bytes count toward the size bound, as in Prometheus.
 */
import type { BlockMeta } from '../block/index.ts';

/** RetentionInput: the bounds (0 = none) and the state they apply to. */
export interface RetentionInput {
  retentionMs: number;
  retentionBytes: number;
  /** The newest sample time in the DB (head or blocks). */
  newestT: number;
  /** Bytes outside blocks that count toward the size bound (the WAL). */
  otherBytes: number;
}

/**
 * beyondRetention returns the ids of the blocks to delete, oldest first: by time, every block
 * whose range ends at or before newestT − retentionMs; by size, then the oldest remaining blocks
 * until blocks and otherBytes fit in retentionBytes.
 */
export function beyondRetention(blocks: readonly BlockMeta[], o: RetentionInput): string[] {
  const sorted = [...blocks].sort((a, b) => a.maxTime - b.maxTime || a.minTime - b.minTime);
  const out: string[] = [];
  let keepFrom = 0;
  if (o.retentionMs > 0 && Number.isFinite(o.newestT)) {
    const limit = o.newestT - o.retentionMs;
    while (keepFrom < sorted.length && sorted[keepFrom].maxTime <= limit) out.push(sorted[keepFrom++].ulid);
  }
  if (o.retentionBytes > 0) {
    let total = o.otherBytes;
    for (let i = keepFrom; i < sorted.length; i++) total += blockBytes(sorted[i]);
    while (keepFrom < sorted.length && total > o.retentionBytes) {
      total -= blockBytes(sorted[keepFrom]);
      out.push(sorted[keepFrom++].ulid);
    }
  }
  return out;
}

/** blockBytes: a block's index and chunk bytes, from its meta. */
export function blockBytes(m: BlockMeta): number {
  return m.stats.indexBytes + m.stats.chunkBytes;
}
