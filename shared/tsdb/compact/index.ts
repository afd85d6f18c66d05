/**
 * Compaction and retention of persisted blocks: merging blocks into larger, densely encoded
 * ones (compact.ts), choosing which (planner.ts), running a step over a directory (run.ts), and
 * choosing blocks to delete by age or size (retention.ts).
 */
export { compact, type CompactOptions } from './compact.ts';
export { mergeParts, type Part } from './merge.ts';
export { compactionRanges, plan } from './planner.ts';
export { beyondBytes, beyondTime, superseded } from './retention.ts';
export { compactOnce, type CompactOnceOptions, type CompactOnceResult } from './run.ts';
