/**
 * Persisted blocks: immutable directories of one time range holding series, their labels and
 * their samples, XOR-encoded (Prometheus-compatible chunks) or densely encoded for cold data.
 * writer.ts writes them, block.ts reads them, docs/block-format.md describes the bytes.
 */
export { Block, openBlock, type Columns, type OpenBlockOptions } from './block.ts';
export { BlockQuerier } from './block-querier.ts';
export { CorruptionError } from './errors.ts';
export { writeBlock, seriesFromExport, type BlockSource, type ChunkSeries, type ColumnSeries, type SeriesInput, type WriteBlockOptions } from './writer.ts';
export { readMeta, type BlockMeta, type BlockStats, type BlockCompaction } from './meta.ts';
export { deleteBlockDir, scanBlockDirs, syncDir } from './fs.ts';
export { newULID, isULID, ulidTime } from './ulid.ts';
export type { BlockEncoding, PageCompression } from './format.ts';
