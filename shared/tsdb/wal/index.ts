/**
 * The write-ahead log of the durable TSDB: segmented, checksummed, group-committed, with
 * checkpoints. This module re-exports its public surface; see wal.ts and docs/wal-format.md.
 */
export { WAL, DEFAULT_SEGMENT_SIZE, type WALOptions, type SyncPolicy } from './wal.ts';
export { CorruptionError, WALClosedError } from './errors.ts';
export type { WALRecord, SeriesRecord, SamplesRecord, PositionRecord, SeriesEntry } from './record.ts';
export { sampleCount } from './record.ts';
export type { ReplayResult } from './replay.ts';
export type { CheckpointStats } from './checkpoint.ts';
export type { WalFS, WalFile } from './fs.ts';
export { nodeFS } from './fs.ts';
export type { ValueEncoding } from './record-encode.ts';
