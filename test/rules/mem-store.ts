/**
 * MemStore: a tiny Appendable + Queryable for rule tests. Samples live in Float64Arrays per
 * series (so staleness-marker NaN bits survive); select does exact label matching only.
 */
import type { Labels } from '../../shared/model/labels.ts';
import type { Matcher } from '../../shared/model/matcher.ts';
import type { Appendable, Appender, Querier, Queryable, SampleBatch, SeriesSet } from '../../shared/storage/interface.ts';

interface Series {
  labels: Labels;
  t: number[];
  v: Float64Array;
  n: number;
}

export class MemStore implements Appendable, Queryable {
  readonly series = new Map<string, Series>();

  appender(): Appender {
    // Values go through a Float64Array so a staleness marker keeps its NaN bits.
    const labels: Labels[] = [];
    const ts: number[] = [];
    const vs = new Float64Array(4096);
    return {
      append: (_ref, l, t, v) => {
        vs[labels.length] = v;
        labels.push(l);
        ts.push(t);
        return 1;
      },
      commit: () => {
        labels.forEach((l, i) => {
          let s = this.series.get(l.key());
          if (!s) this.series.set(l.key(), (s = { labels: l, t: [], v: new Float64Array(4096), n: 0 }));
          s.t.push(ts[i]);
          s.v[s.n++] = vs[i];
        });
        return { appended: labels.length, errors: [] };
      },
      rollback: () => {},
    };
  }

  /** samples returns the samples of the series with exactly these labels. */
  samples(labels: Labels): { t: number; v: number }[] {
    const s = this.series.get(labels.key());
    return s ? s.t.map((t, i) => ({ t, v: s.v[i] })) : [];
  }

  querier(mint: number, maxt: number): Querier {
    return {
      select: (matchers: readonly Matcher[]): SeriesSet => {
        const found = [...this.series.values()].filter((s) => matchers.every((m) => m.matches(s.labels.get(m.name))));
        return {
          series: found.map((s, i) => ({ labels: s.labels, ref: i + 1 })),
          load: (): SampleBatch => {
            const offsets = [0];
            const ts: number[] = [];
            const raw: Float64Array[] = [];
            for (const s of found) {
              for (let i = 0; i < s.n; i++) if (s.t[i] >= mint && s.t[i] <= maxt) {
                ts.push(s.t[i]);
                raw.push(s.v.subarray(i, i + 1));
              }
              offsets.push(ts.length);
            }
            const values = new Float64Array(raw.length);
            raw.forEach((r, i) => values.set(r, i));
            return {
              seriesCount: found.length,
              sampleCount: ts.length,
              offsets: () => Int32Array.from(offsets),
              timestamps: () => Float64Array.from(ts),
              values: () => values,
              offsetsPtr: 0,
              timestampsPtr: 0,
              valuesPtr: 0,
              get kernels(): never {
                throw new Error('BUG: MemStore has no kernels');
              },
              release: () => {},
            };
          },
        };
      },
      labelNames: () => [],
      labelValues: () => [],
      fromColumns: () => {
        throw new Error('BUG: MemStore.fromColumns is not used by rule tests');
      },
      sumRows: () => {
        throw new Error('BUG: MemStore.sumRows is not used by rule tests');
      },
      close: () => {},
    };
  }
}
