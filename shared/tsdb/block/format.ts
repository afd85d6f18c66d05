/**
 * Constants of the block layout (docs/block-format.md): file names, magic numbers, header sizes,
 * page compression codes, and the defaults writers use.
 */

/** File names inside a block directory. */
export const META_FILE = 'meta.json';
export const INDEX_FILE = 'index';
export const CHUNKS_FILE = 'chunks';

/** Suffix of directories being written or deleted; a directory scan removes them. */
export const TMP_SUFFIX = '.tmp';

/**
 * The format version this code writes. Version 2 stores a chunk's page as a signed delta (pages
 * of time-bucketed dense blocks do not follow series order); this code reads versions
 * MIN_FORMAT_VERSION … FORMAT_VERSION.
 */
export const FORMAT_VERSION = 2;
const MIN_FORMAT_VERSION = 1;
/** versionProblem: why files (meta, index, chunks) of format `v` cannot be read, or undefined if they can. */
export function versionProblem(v: unknown): string | undefined {
  if (Number.isInteger(v) && (v as number) >= MIN_FORMAT_VERSION && (v as number) <= FORMAT_VERSION) return undefined;
  return `format version ${String(v)}, this reader knows ${MIN_FORMAT_VERSION} … ${FORMAT_VERSION}`;
}

/** "OPCK" and "OPIX": the first four bytes of the chunks and index files. */
export const CHUNKS_MAGIC = 0x4b43504f; // bytes 4F 50 43 4B, read as u32 little-endian
export const INDEX_MAGIC = 0x5849504f; // bytes 4F 50 49 58

/** Both files open with magic (4), version (1), three zero bytes. */
export const FILE_HEADER_BYTES = 8;
/** A page header: compression (1), stored length (4), raw length (4), CRC-32C of stored (4). */
export const PAGE_HEADER_BYTES = 13;
/** The index body header: compression (1), stored length (4), raw length (4), CRC-32C (4). */
export const INDEX_BODY_HEADER_BYTES = 13;

/** Page and index body compression. */
export const COMPRESS_NONE = 0;
export const COMPRESS_BROTLI = 1;

/** Pages are cut once their raw bytes reach this (a chunk never spans two pages). */
export const DEFAULT_PAGE_BYTES = 256 * 1024;
/** Brotli quality for dense pages (0–11); 11 is about 10 % smaller than 9 and ~8× slower. */
export const DEFAULT_QUALITY = 11;
/**
 * Blocks cut every series into chunks at multiples of a time bucket (Unix ms), and a page holds
 * chunks of one bucket only. The bucket is the smallest 2 h·3^k that leaves at most
 * MAX_BUCKETS buckets in the block's range, grown while the mean series would get fewer than
 * MIN_BUCKET_SAMPLES samples a bucket. 2 h when nothing is known. 2 h and ×3 repeat the default
 * compaction windows (compactionRanges' base and factor, DEFAULT_BLOCK_RANGE_MS), so with the
 * default block range buckets nest in the windows; the DB bases the windows on its configured
 * blockRangeMs, and with another one they need not nest (nothing depends on it).
 */
const MIN_BUCKET_MS = 2 * 3600_000;
const MAX_BUCKETS = 16;
const MIN_BUCKET_SAMPLES = 240;

/**
 * timeBucketMs: the time bucket of a block covering `rangeMs` ms, whose series hold
 * `samplesPerSeries` samples on average (either undefined when unknown). A short query reads
 * only its buckets' pages (which the page cache can then hold) and decodes each series' chunk of
 * a bucket from its start; fewer, longer buckets mean fewer dense chunks (a smaller chunk table
 * in memory, ~32 bytes a chunk).
 */
export function timeBucketMs(rangeMs?: number, samplesPerSeries?: number): number {
  let b = MIN_BUCKET_MS;
  if (rangeMs === undefined || !(rangeMs > 0)) return b;
  while (rangeMs / b > MAX_BUCKETS) b *= 3;
  if (samplesPerSeries !== undefined && samplesPerSeries > 0) {
    while (b < rangeMs && (samplesPerSeries * b) / rangeMs < MIN_BUCKET_SAMPLES) b *= 3;
  }
  return b;
}

/** XOR chunks cut from sample columns hold at most this many samples, like Prometheus' head. */
export const XOR_CHUNK_SAMPLES = 120;
/** A page holds at most this many raw bytes (a chunk bigger than the page size gets its own). */
export const MAX_PAGE_BYTES = 1 << 30;

/** BlockEncoding: how a block's chunks are encoded; every chunk carries the matching byte. */
export type BlockEncoding = 'dense' | 'xor';

/**
 * PageCompression: how a dense block's pages are stored. 'brotli' makes them about 40 % smaller;
 * 'none' is several times faster to write, and a query reads the pages without decompressing
 * them (XOR blocks' pages are never compressed).
 */
export type PageCompression = 'brotli' | 'none';
