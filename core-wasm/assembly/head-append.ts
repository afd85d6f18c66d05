// Appending to the head: one call per scrape (one timestamp, a column of refs and values) or per
// batch of mixed timestamps, with a status per sample. In-order samples go into the series' open
// chunk, cut as Prometheus' head cuts them (appendPreprocessor); older samples inside the
// out-of-order window go to the series' OooState.
import {
  Series, seriesAt, seriesCount, closedChunks, chunkListPush, chunkAt,
  oooWindow, chunkRange, samplesPerChunk,
} from './series';
import { writerStart, writerAppend, writerBytes, MAX_SAMPLE_BYTES } from './xor-encode';
import { OooState, newOooState, oooFind, oooInsert, findInChunk, foundValue } from './ooo';
import { setError, ERR_BAD_REF, ERR_BAD_TIMESTAMP } from './errors';

/** Per-sample statuses written by the append calls. */
@inline export const APPENDED: u8 = 0;
@inline export const DUPLICATE: u8 = 1;
@inline export const OUT_OF_BOUNDS: u8 = 2;
@inline export const CONFLICT: u8 = 3;

/** MAX_CHUNK_BYTES: Prometheus' size cap for an XOR chunk, less room for one more sample. */
@inline const MAX_CHUNK_BYTES: u32 = 1024 - MAX_SAMPLE_BYTES;

/** MAX_SAFE_TIME: timestamps must be integers of at most this magnitude to cross as f64. */
@inline const MAX_SAFE_TIME: f64 = 9007199254740991;

/** checkRefs returns the index of the first ref that names no series, or -1. */
function checkRefs(refs: usize, n: u32): i32 {
  const count = seriesCount();
  for (let i: u32 = 0; i < n; i++) {
    const ref = load<u32>(refs + (<usize>i << 2));
    if (ref == 0 || ref > count) {
      setError(ERR_BAD_REF, i);
      return <i32>i;
    }
  }
  return -1;
}

/**
 * appendScrape appends sample i = (t, vals[i]) to series refs[i] for i < n and writes its status
 * to status[i]. It returns -1, or the index of the first bad ref, in which case nothing is stored.
 */
export function appendScrape(t: f64, refs: usize, vals: usize, n: u32, status: usize): i32 {
  const bad = checkRefs(refs, n);
  if (bad >= 0) return bad;
  const ti = <i64>t;
  for (let i: u32 = 0; i < n; i++) {
    const s = seriesAt(load<u32>(refs + (<usize>i << 2)));
    store<u8>(status + i, appendOne(s, ti, load<u64>(vals + (<usize>i << 3))));
  }
  return -1;
}

/**
 * appendSamples appends (ts[i], vals[i]) to series refs[i] for i < n and writes each status. It
 * returns -1, or the index of the first bad ref or timestamp (not a safe integer), in which case
 * nothing is stored.
 */
export function appendSamples(refs: usize, ts: usize, vals: usize, n: u32, status: usize): i32 {
  const bad = checkRefs(refs, n);
  if (bad >= 0) return bad;
  for (let i: u32 = 0; i < n; i++) {
    const t = load<f64>(ts + (<usize>i << 3));
    if (!(Math.abs(t) <= MAX_SAFE_TIME) || Math.floor(t) != t) {
      setError(ERR_BAD_TIMESTAMP, i);
      return <i32>i;
    }
  }
  for (let i: u32 = 0; i < n; i++) {
    const s = seriesAt(load<u32>(refs + (<usize>i << 2)));
    const t = <i64>load<f64>(ts + (<usize>i << 3));
    store<u8>(status + i, appendOne(s, t, load<u64>(vals + (<usize>i << 3))));
  }
  return -1;
}

/** appendOne stores one sample in s and returns its status. */
function appendOne(s: Series, t: i64, v: u64): u8 {
  if (s.num == 0) {
    startHeadChunk(s, t);
    writerAppend(s, t, v);
    return APPENDED;
  }
  const maxt = s.t;
  if (t > maxt) {
    appendInOrder(s, t, v);
    return APPENDED;
  }
  if (t == maxt) return v == s.v ? DUPLICATE : CONFLICT;
  if (oooWindow == 0 || t < maxt - oooWindow) return OUT_OF_BOUNDS;
  return appendOutOfOrder(s, t, v);
}

/** rangeEnd is the end of the chunk range holding t (ranges are aligned to multiples of the width). */
@inline function rangeEnd(t: i64): i64 {
  let q = t / chunkRange;
  if (t % chunkRange < 0) q--; // floor, so that no chunk crosses a boundary before 1970 either
  return q * chunkRange + chunkRange;
}

/**
 * computeChunkEndTime predicts when to cut a chunk that is a quarter full so that the rest of the
 * range splits into chunks of equal duration (Prometheus' computeChunkEndTime, ratio 4).
 */
function computeChunkEndTime(start: i64, cur: i64, maxT: i64): i64 {
  const n = <f64>(maxT - start) / (<f64>(cur - start + 1) * 4);
  if (n <= 1) return maxT;
  return <i64>(<f64>start + <f64>(maxT - start) / Math.floor(n));
}

/**
 * startHeadChunk opens an empty chunk of the smallest size for s at t. It grows by a quarter as
 * samples come (a few copies per chunk); starting it at the size of the previous chunk would keep
 * half a chunk of unwritten bytes per series on average.
 */
function startHeadChunk(s: Series, t: i64): void {
  writerStart(s, t, 0);
  s.nextAt = rangeEnd(t);
}

/** appendInOrder appends a sample newer than every sample of s, cutting the open chunk first if due. */
function appendInOrder(s: Series, t: i64, v: u64): void {
  const num = s.num;
  if (writerBytes(s) > MAX_CHUNK_BYTES) {
    cutHeadChunk(s, t);
  } else {
    if (num == samplesPerChunk >>> 2) s.nextAt = computeChunkEndTime(s.mint, s.t, s.nextAt);
    if (t >= s.nextAt || num >= samplesPerChunk << 1) cutHeadChunk(s, t);
  }
  writerAppend(s, t, v);
}

/** cutHeadChunk closes s's open chunk (trimmed to its length) and opens an empty one starting at t. */
function cutHeadChunk(s: Series, t: i64): void {
  const len = writerBytes(s);
  const buf = heap.realloc(s.buf, len);
  chunkListPush(closedChunks(s), buf, len, s.mint, s.t);
  startHeadChunk(s, t);
}

/** appendOutOfOrder stores a sample older than s's newest one, unless a sample exists at t. */
function appendOutOfOrder(s: Series, t: i64, v: u64): u8 {
  if (findInOrder(s, t)) return foundValue == v ? DUPLICATE : CONFLICT;
  let o: OooState;
  if (s.ooo == 0) {
    o = newOooState();
    s.ooo = changetype<usize>(o);
  } else {
    o = changetype<OooState>(s.ooo);
    if (oooFind(o, t)) return foundValue == v ? DUPLICATE : CONFLICT;
  }
  oooInsert(o, t, v);
  return APPENDED;
}

/** findInOrder looks for a sample at t in s's in-order chunks; sets foundValue when found. */
function findInOrder(s: Series, t: i64): bool {
  if (t >= s.mint) return findInChunk(s.buf, writerBytes(s), t);
  const list = closedChunks(s);
  // Binary search for the last chunk with mint ≤ t.
  let lo: i32 = 0, hi: i32 = <i32>list.count - 1, at: i32 = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (chunkAt(list, mid).mint <= t) {
      at = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (at < 0) return false;
  const c = chunkAt(list, at);
  return t <= c.maxt && findInChunk(c.buf, c.len, t);
}
