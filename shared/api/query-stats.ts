/**
 * Query statistics for the `stats` parameter of `/api/v1/query` and `/api/v1/query_range`:
 * wall-clock timings of the phases this server has (parsing, evaluation, the whole request) and
 * the samples the query read from storage, counted by wrapping the Queryable it runs on. Shape:
 * Prometheus' QueryStats (`timings`, `samples`). Outpost has no execution queue, so
 * `execQueueTime` is 0; the engine orders results while it evaluates, so `resultSortTime` is 0
 * and the sorting is inside `innerEvalTime`. Per-step counts (Prometheus'
 * `promql-per-step-stats` feature, off by default) are not produced, which is what Prometheus
 * answers to `stats=all` without that feature.
 */
import type { Querier, Queryable, SampleBatch, SeriesSet } from '../storage/interface.ts';

/** SampleCounter: samples loaded from storage by one query, and the most held at once. */
export class SampleCounter {
  total = 0;
  peak = 0;
  #live = 0;

  /** wrap returns a Queryable that reads through `inner` and counts what its batches load. */
  wrap(inner: Queryable): Queryable {
    return { querier: (mint, maxt) => this.#querier(inner.querier(mint, maxt)) };
  }

  #querier(q: Querier): Querier {
    return {
      select: (matchers, hints) => this.#set(q.select(matchers, hints)),
      labelNames: (m) => q.labelNames(m),
      labelValues: (name, m) => q.labelValues(name, m),
      fromColumns: (offsets, timestamps, values) => q.fromColumns(offsets, timestamps, values),
      sumRows: (rows, row, count, steps, groupOf, cells) => q.sumRows(rows, row, count, steps, groupOf, cells),
      close: () => q.close(),
    };
  }

  #set(s: SeriesSet): SeriesSet {
    return {
      series: s.series,
      load: (mint, maxt, from, to, opts) => this.#batch(s.load(mint, maxt, from, to, opts)),
    };
  }

  #batch(b: SampleBatch): SampleBatch {
    const n = b.sampleCount;
    this.total += n;
    this.#live += n;
    if (this.#live > this.peak) this.peak = this.#live;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        this.#live -= n;
      }
      b.release();
    };
    return new Proxy(b, {
      get: (target, prop) => {
        if (prop === 'release') return release;
        // Read with the batch itself as receiver: its getters and methods use private fields.
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }
}

/** Timings: phase durations of one query, in ms. */
export interface QueryTimings {
  parseMs: number;
  evalMs: number;
  totalMs: number;
}

/** statsJSON renders the `stats` member of a query's `data`. */
export function statsJSON(t: QueryTimings, samples: SampleCounter): string {
  const s = (ms: number) => ms / 1000;
  return JSON.stringify({
    timings: {
      evalTotalTime: s(t.evalMs),
      resultSortTime: 0,
      queryPreparationTime: s(t.parseMs),
      innerEvalTime: s(t.evalMs),
      execQueueTime: 0,
      execTotalTime: s(t.totalMs),
    },
    samples: { totalQueryableSamples: samples.total, peakSamples: samples.peak },
  });
}
