/**
 * Backfill: turn an OpenMetrics file into blocks in a data directory, in one pass
 * (`outpost tsdb create-blocks-from openmetrics`, as promtool's). See backfill.ts.
 */
export { backfillOpenMetrics, BackfillInputError, DEFAULT_MEMORY_BUDGET_BYTES, type BackfillOptions, type BackfillResult } from './backfill.ts';
export { compatibleBlockDuration, rangeStart, DEFAULT_BLOCK_DURATION_MS } from './ranges.ts';
export { readPieces, type Piece } from './pieces.ts';
export { tsdbCommand } from './command.ts';
