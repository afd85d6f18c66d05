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

/** The format version this code writes and reads. */
export const FORMAT_VERSION = 1;

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
/** XOR chunks cut from sample columns hold at most this many samples, like Prometheus' head. */
export const XOR_CHUNK_SAMPLES = 120;
/** A page holds at most this many raw bytes (a chunk bigger than the page size gets its own). */
export const MAX_PAGE_BYTES = 1 << 30;

/** BlockEncoding: how a block's chunks are encoded; every chunk carries the matching byte. */
export type BlockEncoding = 'dense' | 'xor';
