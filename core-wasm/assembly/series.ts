// Per-series head state in linear memory: the series table addressed by numeric refs, each
// series' open chunk (an embedded ChunkWriter) and its list of closed chunks, plus the head's
// configuration. Refs are consecutive and start at 1; 0 means "unknown".
import { ChunkWriter } from './xor-encode';

/**
 * ChunkMeta: one closed chunk, the element of a ChunkList's array.
 *
 * ```
 *  0        4        8                 16                24
 *  ├ buf ───┼ len ───┼ mint ───────────┼ maxt ───────────┤
 * ```
 * buf is a heap block of exactly len bytes holding an XOR chunk (header included).
 */
@unmanaged export class ChunkMeta {
  buf: usize;
  len: u32;
  mint: i64;
  maxt: i64;
}

/** CHUNK_META_SIZE: the bytes of one ChunkMeta. */
@inline export const CHUNK_META_SIZE: u32 = 24;

/**
 * ChunkList: a growable array of ChunkMeta, embedded in Series and OooState as three fields.
 *
 * ```
 *  0        4        8        12
 *  ├ data ──┼ count ─┼ cap ───┤
 * ```
 */
@unmanaged export class ChunkList {
  data: usize;
  count: u32;
  cap: u32;
}

/** chunkAt returns the i-th ChunkMeta of list (unchecked). */
@inline export function chunkAt(list: ChunkList, i: u32): ChunkMeta {
  return changetype<ChunkMeta>(list.data + <usize>i * CHUNK_META_SIZE);
}

/** chunkListPush appends a chunk to list, growing its array by doubling. */
export function chunkListPush(list: ChunkList, buf: usize, len: u32, mint: i64, maxt: i64): void {
  if (list.count == list.cap) {
    const cap: u32 = list.cap == 0 ? 1 : list.cap * 2;
    list.data = list.data == 0 ? heap.alloc(cap * CHUNK_META_SIZE) : heap.realloc(list.data, cap * CHUNK_META_SIZE);
    list.cap = cap;
  }
  const c = chunkAt(list, list.count);
  c.buf = buf;
  c.len = len;
  c.mint = mint;
  c.maxt = maxt;
  list.count++;
}

/**
 * Series: one series of the head; the table holds them back to back, indexed by ref - 1.
 *
 * ```
 *  0                                   56                64        68        72       76       80
 *  ├ ChunkWriter (open chunk, 56 bytes) ┼ nextAt ────────┼ chunks ─┼ count ──┼ cap ───┼ ooo ───┤
 * ```
 * The open chunk is empty (num = 0) only before the series' first sample. nextAt is the time at
 * which the open chunk is cut (Prometheus' memSeries.nextAt). chunks/count/cap is the ChunkList of
 * closed in-order chunks, oldest first, non-overlapping. ooo points to an OooState or is 0.
 */
@unmanaged export class Series extends ChunkWriter {
  nextAt: i64;
  chunks: usize;
  chunkCount: u32;
  chunkCap: u32;
  ooo: usize;
}

/** SERIES_SIZE: the bytes of one Series in the table. */
@inline export const SERIES_SIZE: u32 = 80;

/** closedChunks views the closed-chunk list embedded in s. */
@inline export function closedChunks(s: Series): ChunkList {
  return changetype<ChunkList>(changetype<usize>(s) + offsetof<Series>('chunks'));
}

// The head's configuration, set once by init().
export let oooWindow: i64 = 0;
export let chunkRange: i64 = 7_200_000;
export let samplesPerChunk: u32 = 120;

/** configure sets the head's options; callers validated them. */
export function configure(window: i64, range: i64, perChunk: u32): void {
  oooWindow = window;
  chunkRange = range;
  samplesPerChunk = perChunk;
}

let table: usize = 0;
let count: u32 = 0;
let cap: u32 = 0;

/** seriesCount is the number of series allocated; valid refs are 1..seriesCount. */
@inline export function seriesCount(): u32 {
  return count;
}

/** seriesAt returns the series of a valid ref (unchecked). */
@inline export function seriesAt(ref: u32): Series {
  return changetype<Series>(table + <usize>(ref - 1) * SERIES_SIZE);
}

/** newSeries allocates n zeroed series and returns the first one's ref. */
export function newSeries(n: u32): u32 {
  const first = count + 1;
  if (count + n > cap) {
    const newCap = max<u32>(count + n, cap + (cap >>> 1) + 16);
    const bytes = <usize>newCap * SERIES_SIZE;
    table = table == 0 ? heap.alloc(bytes) : heap.realloc(table, bytes);
    cap = newCap;
  }
  memory.fill(table + <usize>count * SERIES_SIZE, 0, <usize>n * SERIES_SIZE);
  count += n;
  return first;
}
