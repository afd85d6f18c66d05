/**
 * The `storage` section: TSDB settings that can change on reload (out-of-order window, retention)
 * and the exemplar buffer. Retention set here overrides the command-line flags, as in Prometheus.
 */
import type { YamlValue } from './yaml-value.ts';

export interface RetentionConfig {
  /** Milliseconds; 0 when not set here. */
  readonly time: number;
  /** Bytes; 0 when not set here. */
  readonly size: number;
  /** Percentage of the disk, 0–100; 0 when not set here. */
  readonly percentage: number;
}

export interface StorageConfig {
  readonly tsdb: {
    /** How far back (ms) an out-of-order sample may be appended; 0 disables. */
    readonly outOfOrderTimeWindow: number;
    readonly retention: RetentionConfig;
  };
  readonly exemplars: { readonly maxExemplars: number };
}

export const DEFAULT_MAX_EXEMPLARS = 100_000;

/** parseStorage reads the `storage` section (undefined when absent). */
export function parseStorage(v: YamlValue | undefined): StorageConfig {
  const f = v?.fields();
  const tsdbV = f?.get('tsdb');
  const tf = tsdbV?.fields();
  const retV = tf?.get('retention');
  const rf = retV?.fields();
  const retention: RetentionConfig = {
    time: rf?.opt('time', (x) => x.duration(), 0) ?? 0,
    size: rf?.opt('size', (x) => x.size(), 0) ?? 0,
    percentage: rf?.opt('percentage', (x) => x.float(), 0) ?? 0,
  };
  if (rf && !(retention.percentage >= 0 && retention.percentage <= 100)) {
    rf.at('percentage').fail(`'storage.tsdb.retention.percentage' must be in the range [0, 100], got ${retention.percentage}`);
  }
  rf?.done();
  const outOfOrderTimeWindow = tf?.opt('out_of_order_time_window', (x) => x.duration(), 0) ?? 0;
  tf?.done();
  const ef = f?.get('exemplars')?.fields();
  const maxExemplars = ef?.opt('max_exemplars', (x) => x.int(), DEFAULT_MAX_EXEMPLARS) ?? DEFAULT_MAX_EXEMPLARS;
  ef?.done();
  f?.done();
  return { tsdb: { outOfOrderTimeWindow, retention }, exemplars: { maxExemplars } };
}
