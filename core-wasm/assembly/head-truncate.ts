// Truncating the head: once the durable TSDB has persisted a time range, the chunks wholly
// before it are freed. Open chunks stay: the head keeps appending to them.
import { seriesAt, seriesCount, closedChunks, chunkAt, ChunkList, CHUNK_META_SIZE } from './series';
import { OooState, oooChunks } from './ooo';

/** dropBefore frees the chunks of list whose last sample is before t, keeping order; returns how many. */
function dropBefore(list: ChunkList, t: i64): u32 {
  let kept: u32 = 0;
  for (let c: u32 = 0; c < list.count; c++) {
    const m = chunkAt(list, c);
    if (m.maxt < t) {
      heap.free(m.buf);
      continue;
    }
    if (kept != c) memory.copy(list.data + <usize>kept * CHUNK_META_SIZE, changetype<usize>(m), CHUNK_META_SIZE);
    kept++;
  }
  const dropped = list.count - kept;
  list.count = kept;
  return dropped;
}

/**
 * truncateBefore frees every closed and out-of-order chunk whose samples are all older than t, and
 * drops buffered out-of-order samples older than t. Series and refs stay. Returns the chunks freed.
 */
export function truncateBefore(tF: f64): u32 {
  const t = <i64>tF;
  let freed: u32 = 0;
  const n = seriesCount();
  for (let ref: u32 = 1; ref <= n; ref++) {
    const s = seriesAt(ref);
    freed += dropBefore(closedChunks(s), t);
    if (s.ooo == 0) continue;
    const o = changetype<OooState>(s.ooo);
    freed += dropBefore(oooChunks(o), t);
    let i: u32 = 0;
    while (i < o.count && load<i64>(o.ts + (<usize>i << 3)) < t) i++;
    if (i > 0) {
      memory.copy(o.ts, o.ts + (<usize>i << 3), <usize>(o.count - i) << 3);
      memory.copy(o.vs, o.vs + (<usize>i << 3), <usize>(o.count - i) << 3);
      o.count -= i;
    }
  }
  return freed;
}
