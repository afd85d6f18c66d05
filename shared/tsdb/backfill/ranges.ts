/**
 * Block ranges of a backfill, as promtool aligns them: the block duration is the largest of
 * Prometheus' compaction ranges (2 h · 3ᵏ, k < 10) not above the requested maximum, and never
 * below 2 h; a sample at t belongs to the block [⌊t/d⌋·d, ⌊t/d⌋·d + d). Unlike Go's integer
 * division, times before 1970 are floored, so ranges stay aligned there too (as the head does).
 */

/** DEFAULT_BLOCK_DURATION_MS: 2 h, Prometheus' default block duration. */
export const DEFAULT_BLOCK_DURATION_MS = 2 * 3_600_000;

/** The ranges promtool picks from: 2 h · 3ᵏ for k = 0..9. */
const RANGES: readonly number[] = Array.from({ length: 10 }, (_, k) => DEFAULT_BLOCK_DURATION_MS * 3 ** k);

/**
 * compatibleBlockDuration returns the block duration used for a `--max-block-duration` of
 * `maxMs`: 2 h when maxMs ≤ 2 h, else the largest 2 h · 3ᵏ (k ≤ 9) not above maxMs.
 */
export function compatibleBlockDuration(maxMs: number): number {
  if (!(maxMs > DEFAULT_BLOCK_DURATION_MS)) return DEFAULT_BLOCK_DURATION_MS;
  let d = RANGES[0];
  for (const r of RANGES) {
    if (r > maxMs) break;
    d = r;
  }
  return d;
}

/** rangeStart returns the start of the block range of width d holding t. */
export function rangeStart(t: number, d: number): number {
  return Math.floor(t / d) * d;
}
