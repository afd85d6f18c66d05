/**
 * The durable TSDB: head + WAL + blocks on a data directory, implementing the storage interface.
 * See db.ts and docs/tsdb.md.
 */
export { openDB, DB, WALWriteError, WAL_DIR } from './db.ts';
export type { DurableAppendResult } from './db-append.ts';
export { DBAppender } from './db-append.ts';
export type { WALReplayStats } from './head-wal.ts';
export { DirectoryLockedError, LOCK_FILE } from './lock.ts';
export { type DBOptions, DEFAULT_BLOCK_RANGE_MS, DEFAULT_RETENTION_MS } from './options.ts';
export type { MaintenanceStats, SnapshotResult } from './db-maintenance.ts';
export { beyondRetention, type RetentionInput } from './retention.ts';
export { planCut, type CutPlan } from './head-cut.ts';
