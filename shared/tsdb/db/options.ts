/**
 * Options of the durable TSDB and their defaults, checked once at open so that a bad setting is
 * refused with the option named instead of misbehaving later.
 */
import type { ValidationScheme } from '../../model/validate.ts';
import type { SyncPolicy, WalFS } from '../wal/index.ts';

/** DBOptions for openDB. Every field is optional. */
export interface DBOptions {
  /** When a commit's `durable` promise resolves (see docs/tsdb.md). Default 'always'. */
  sync?: SyncPolicy;
  /** For 'batch': the longest a written commit waits for its fsync (default 100 ms). */
  syncIntervalMs?: number;
  /** WAL segment size bound in bytes (default 128 MiB). */
  walSegmentSize?: number;
  /** Samples up to this many ms older than their series' newest are accepted (default 0). */
  outOfOrderWindowMs?: number;
  /** Label name rules for new series (default 'utf8'). */
  validation?: ValidationScheme;
  /** Width of a block cut from the head, in ms (default 2 h). */
  blockRangeMs?: number;
  /** Blocks whose data is all older than the newest sample minus this many ms are deleted (default 15 d; 0 = no limit). */
  retentionMs?: number;
  /** Oldest blocks are deleted while blocks and WAL together take more bytes than this (default 0 = no limit). */
  retentionBytes?: number;
  /** Run head cuts, compaction and retention automatically after commits (default true). */
  background?: boolean;
  /** How long a head cut waits for queriers opened before it to be closed (default 60 s). */
  readerWaitMs?: number;
  /** Where repaired damage and background failures are reported (default console.warn). */
  log?: (message: string) => void;
  /** The WAL's file system (default: the real one); fault tests inject failures here. */
  walFS?: WalFS;
}

export const DEFAULT_BLOCK_RANGE_MS = 2 * 3600_000;
export const DEFAULT_RETENTION_MS = 15 * 24 * 3600_000;

/** ResolvedOptions: DBOptions with every default filled in. */
export type ResolvedOptions = Required<Omit<DBOptions, 'walFS'>> & { walFS?: WalFS };

/** resolveOptions fills in the defaults and throws a RangeError naming the first bad option. */
export function resolveOptions(o: DBOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    sync: o.sync ?? 'always',
    syncIntervalMs: o.syncIntervalMs ?? 100,
    walSegmentSize: o.walSegmentSize ?? 128 * 1024 * 1024,
    outOfOrderWindowMs: o.outOfOrderWindowMs ?? 0,
    validation: o.validation ?? 'utf8',
    blockRangeMs: o.blockRangeMs ?? DEFAULT_BLOCK_RANGE_MS,
    retentionMs: o.retentionMs ?? DEFAULT_RETENTION_MS,
    retentionBytes: o.retentionBytes ?? 0,
    background: o.background ?? true,
    readerWaitMs: o.readerWaitMs ?? 60_000,
    log: o.log ?? ((m) => console.warn(m)),
    walFS: o.walFS,
  };
  if (!['always', 'batch', 'never'].includes(r.sync)) throw new RangeError(`openDB: sync must be 'always', 'batch' or 'never', got ${String(r.sync)}`);
  const integer = (name: keyof DBOptions, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`openDB: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  integer('syncIntervalMs', r.syncIntervalMs, 0);
  integer('walSegmentSize', r.walSegmentSize, 64);
  integer('outOfOrderWindowMs', r.outOfOrderWindowMs, 0);
  integer('blockRangeMs', r.blockRangeMs, 1);
  integer('retentionMs', r.retentionMs, 0);
  integer('retentionBytes', r.retentionBytes, 0);
  integer('readerWaitMs', r.readerWaitMs, 0);
  return r;
}
