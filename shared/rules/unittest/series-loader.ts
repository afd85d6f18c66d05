/**
 * The input series of one test group, written into storage lazily as promtool's lazy loader
 * does: before each evaluation at `ts`, every input sample stamped at or before `ts` that is not
 * yet stored is appended, so rules never see input from their future. Sample i of a series is
 * stamped `start + i·interval`; `_` writes nothing, `stale` writes the staleness marker.
 */
import { STALE_NAN } from '../../model/stale.ts';
import type { Appendable } from '../../storage/interface.ts';
import type { InputSeries } from './test-file.ts';

export class SeriesLoader {
  /** next: per series, the index of the first value not yet written. */
  readonly #next: number[];

  /**
   * The loader writes float values only: native-histogram values are skipped (the storage has no
   * histogram samples); callers report such series as unsupported.
   */
  constructor(
    readonly storage: Appendable,
    readonly series: readonly InputSeries[],
    readonly start: number,
    readonly interval: number,
  ) {
    this.#next = series.map(() => 0);
  }

  /** appendTill writes the samples stamped ≤ ts. Returns the storage's refusals as messages. */
  appendTill(ts: number): string[] {
    const app = this.storage.appender();
    this.series.forEach((s, i) => {
      let k = this.#next[i];
      for (; k < s.values.length; k++) {
        const t = this.start + k * this.interval;
        if (t > ts) break;
        const v = s.values[k];
        if (v.kind === 'float') app.append(0, s.labels, t, v.stale ? STALE_NAN : v.value);
      }
      this.#next[i] = k;
    });
    return app.commit().errors.map((e) => `load input series: ${e.message}`);
  }
}
