// An aggregation over a selector or a kernel range function folds the kernel's slices as they
// come (aggregate.ts foldStream) instead of evaluating its argument whole. Each query here runs
// that way and through the whole-rows path (the argument wrapped in a label_replace that changes
// nothing), with one batch and with tiny slices: values, series, order and annotations must agree.
import { beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Engine, type QueryResult } from '../../../shared/promql/engine/index.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { points } from '../../support/query-value.ts';

const storage = openMemStorage();
const T0 = 1_700_000_000_000;
const END = T0 + 119 * 15_000;

beforeAll(() => {
  const series: Labels[] = [];
  for (let i = 0; i < 60; i++) {
    const name = i % 4 === 3 ? 'temp_celsius' : 'req_total';
    series.push(Labels.from({ __name__: name, job: `j${i % 3}`, zone: `z${i % 5}`, i: String(i) }));
  }
  const refs = new Array<number>(series.length).fill(0);
  for (let s = 0; s < 120; s++) {
    const a = storage.appender();
    for (let i = 0; i < series.length; i++) {
      // Some series stop halfway, some start late: windows without values, groups that appear late.
      if (i % 6 === 1 && s > 60) continue;
      if (i % 7 === 2 && s < 90) continue;
      const v = i % 4 === 3 ? Math.sin(s + i) * 40 : (s % 50 === 49 ? 0 : s * (1 + (i % 3))) + i * 1e15;
      refs[i] = a.append(refs[i], series[i], T0 + s * 15_000, v);
    }
    a.commit();
  }
});

/** outcome: a query's result with exact values (NaN payloads aside), or its error, for toEqual. */
async function outcome(q: Promise<QueryResult>): Promise<unknown> {
  try {
    return plain(await q);
  } catch (err) {
    return { error: String(err) };
  }
}

function plain(r: QueryResult): unknown {
  const v = r.value;
  const f = (x: number) => (Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : x);
  const value = v.resultType === 'vector'
    ? v.samples.map((s) => [s.metric.toString(), s.t, f(s.f)])
    : v.resultType === 'matrix'
      ? v.series.map((s) => [s.metric.toString(), points(s).map((p) => [p.t, f(p.f)])])
      : v;
  // Positions differ: the whole-rows query is longer. The test below checks them.
  const text = (a: string[]) => a.map((x) => x.replace(/ \(\d+:\d+\)$/, ''));
  return { value, warnings: text(r.warnings), infos: text(r.infos) };
}

/** Each case: an aggregation with `ARG` where its argument goes. */
const cases: Array<[string, string]> = [
  ['sum by (job) (ARG)', 'rate(req_total[2m])'],
  ['count(ARG)', '{__name__=~".+"}'],
  ['avg without (i) (ARG)', 'rate(temp_celsius[1m])'],
  ['sum by (__name__) (ARG)', 'rate({__name__=~"req_total|temp_celsius"}[1m])'],
  ['sum by (__name__, job) (ARG)', 'last_over_time({__name__=~"req_total|temp_celsius"}[1m])'],
  ['max by (zone) (ARG)', 'delta(temp_celsius[3m] offset 1m)'],
  ['min(ARG)', 'increase(req_total[5m])'],
  ['stddev by (job) (ARG)', 'irate(req_total[1m])'],
  ['stdvar by (zone) (ARG)', 'temp_celsius'],
  ['group by (job) (ARG)', 'resets(req_total[10m])'],
  ['quantile by (job) (0.75, ARG)', 'deriv(temp_celsius[2m])'],
  ['quantile(2, ARG)', 'rate(req_total[1m])'],
  ['sum(ARG)', 'rate(req_total[1m] @ ' + (END - 1_200_000) / 1000 + ')'],
  ['count by (zone) (ARG)', 'req_total @ ' + (END - 1_500_000) / 1000],
  ['avg by (job) (ARG)', 'max_over_time(rate(req_total[1m])[5m:30s])'],
  ['sum by (job) (ARG)', 'quantile_over_time(0.5, temp_celsius[2m])'],
];

describe('aggregations folded slice by slice', () => {
  const engines = [new Engine(), new Engine({ sliceSamples: 300 })];
  for (const [agg, arg] of cases) {
    const streamed = agg.replace('ARG', arg);
    const whole = agg.replace('ARG', `label_replace(${arg}, "nothing", "", "nothing", "")`);
    for (const [k, engine] of engines.entries()) {
      const how = k === 0 ? 'one batch' : 'small slices';
      it(`${streamed}: range query, ${how}`, async () => {
        const a = await outcome(engine.rangeQuery(storage, whole, T0, END, 30_000));
        expect(await outcome(engine.rangeQuery(storage, streamed, T0, END, 30_000))).toEqual(a);
      });
      it(`${streamed}: instant queries, ${how}`, async () => {
        for (const t of [T0 + 600_000, T0 + 1_200_000, END]) {
          const a = await outcome(engine.instantQuery(storage, whole, t));
          expect(await outcome(engine.instantQuery(storage, streamed, t))).toEqual(a);
        }
      });
    }
  }

  it('raises the annotations of its argument', async () => {
    const r = await new Engine().rangeQuery(storage, 'sum(rate(temp_celsius[1m]))', T0, END, 30_000);
    expect(r.infos).toEqual(['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "temp_celsius" (1:10)']);
    const q = await new Engine().rangeQuery(storage, 'quantile(2, req_total)', T0, END, 30_000);
    expect(q.warnings).toEqual(['PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)']);
  });

  it('counts its argument against the sample limit as the whole-rows path does', async () => {
    const streamed = 'sum by (job) (rate(req_total[2m]))';
    const whole = 'sum by (job) (label_replace(rate(req_total[2m]), "nothing", "", "nothing", ""))';
    let refused = 0;
    for (const maxSamples of [300, 1000, 1800, 2400, 3000, 6000, 20_000]) {
      const engine = new Engine({ maxSamples, sliceSamples: 300 });
      const a = await outcome(engine.rangeQuery(storage, whole, T0, END, 15_000));
      expect([maxSamples, await outcome(engine.rangeQuery(storage, streamed, T0, END, 15_000))]).toEqual([maxSamples, a]);
      if ((a as { error?: string }).error) refused++;
    }
    expect(refused).toBeGreaterThan(0); // the limits above include some the argument exceeds
    expect(refused).toBeLessThan(7);
  });

  it('sums whole rows of more cells than one core call takes (2^18) as the streamed fold does', async () => {
    // 130 series in 3 groups, 10,001 steps: 1.3 M cells, folded in five calls.
    const big = openMemStorage();
    const a = big.appender();
    for (let i = 0; i < 130; i++) {
      const labels = Labels.from({ __name__: 'big', g: `g${i % 3}`, i: String(i) });
      let ref = 0;
      for (let k = 0; k < 140; k++) ref = a.append(ref, labels, T0 + k * 15_000, (k * (i + 1)) / 7 + i * 1e12);
    }
    a.commit();
    const engine = new Engine();
    const end = T0 + 2_000_000;
    const streamed = await outcome(engine.rangeQuery(big, 'sum by (g) (big)', T0, end, 200));
    expect(await outcome(engine.rangeQuery(big, 'sum by (g) (label_replace(big, "nothing", "", "nothing", ""))', T0, end, 200))).toEqual(streamed);
    expect((streamed as { value: unknown[] }).value).toHaveLength(3);
  });

  it('stops when its client goes away', async () => {
    const c = new AbortController();
    const q = new Engine({ sliceSamples: 100 }).rangeQuery(storage, 'sum(rate(req_total[1m]))', T0, END, 15_000, { signal: c.signal });
    c.abort();
    await expect(q).rejects.toThrow(/cancel/i);
  });
});
