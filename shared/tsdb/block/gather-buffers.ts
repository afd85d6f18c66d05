/**
 * Gather buffers: the memory that gathered chunk bytes (gather.ts) are copied into, used again
 * once those chunks are decoded, instead of a new buffer for every slice of a query. A 24 h query
 * over the benchmark's day gathers about 45 slices of 100 KB–1.5 MB; each new buffer costs page
 * faults (and, from glibc's mmap threshold up, a mapping made and unmapped), and each dead one
 * waits for a garbage collection. A buffer comes back (giveBytes) once its chunks are decoded:
 * in this thread by decodeGathered (GatheredChunks.release), or from a query worker with its
 * reply (shared/promql/parallel/).
 *
 * Kept: at most MAX_COUNT buffers, MAX_BYTES in all, and only until the pool has gone IDLE_MS
 * without a take or a give, so that an idle process holds none.
 */

const MAX_COUNT = 8;
const MAX_BYTES = 32 << 20;
/** A smaller buffer costs less to allocate than to keep. */
const MIN_BYTES = 16 << 10;
const IDLE_MS = 2000;

const pool: ArrayBuffer[] = [];
let pooled = 0;
let lastUse = 0;
let timer: NodeJS.Timeout | null = null;

/**
 * takeBytes returns a Uint8Array of `n` bytes (not zeroed when used again: the caller writes all
 * of them) over the smallest kept buffer large enough, or over a new one with a quarter to spare.
 */
export function takeBytes(n: number): Uint8Array {
  lastUse = Date.now();
  let best = -1;
  for (let i = 0; i < pool.length; i++) {
    if (pool[i].byteLength >= n && (best < 0 || pool[i].byteLength < pool[best].byteLength)) best = i;
  }
  if (best < 0) return new Uint8Array(n < MIN_BYTES ? n : n + (n >> 2)).subarray(0, n);
  const b = pool[best];
  pool.splice(best, 1);
  pooled -= b.byteLength;
  return new Uint8Array(b, 0, n);
}

/**
 * giveBytes keeps `b`, whose bytes nobody reads any more, for a later takeBytes, when the limits
 * allow (a detached buffer, length 0, is ignored).
 */
export function giveBytes(b: ArrayBuffer): void {
  lastUse = Date.now();
  if (b.byteLength < MIN_BYTES || b.byteLength > MAX_BYTES || pool.includes(b)) return;
  // Keep the larger: make room by dropping kept buffers smaller than `b`, smallest first, when
  // that makes enough; else keep what is kept.
  const smaller = pool.filter((k) => k.byteLength < b.byteLength).sort((x, y) => x.byteLength - y.byteLength);
  let count = pool.length, bytes = pooled, drop = 0;
  while ((count === MAX_COUNT || bytes + b.byteLength > MAX_BYTES) && drop < smaller.length) {
    count--;
    bytes -= smaller[drop++].byteLength;
  }
  if (count === MAX_COUNT || bytes + b.byteLength > MAX_BYTES) return;
  for (const k of smaller.slice(0, drop)) pool.splice(pool.indexOf(k), 1);
  pooled = bytes;
  pool.push(b);
  pooled += b.byteLength;
  timer ??= setTimeout(expire, IDLE_MS).unref();
}

/** keptBytes: the bytes the pool holds now. */
export function keptBytes(): number {
  return pooled;
}

/** expire empties the pool once it has gone IDLE_MS unused, else looks again later. */
function expire(): void {
  timer = null;
  const idle = Date.now() - lastUse;
  if (idle < IDLE_MS) {
    timer = setTimeout(expire, IDLE_MS - idle).unref();
    return;
  }
  pool.length = 0;
  pooled = 0;
}
