import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../../shared/model/labels.ts';
import { Engine, QueryCanceledError, QueryExecutionError, TooManySamplesError } from '../../../shared/promql/engine/index.ts';
import { ParseError } from '../../../shared/promql/parser/index.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import type { Storage } from '../../../shared/storage/interface.ts';

let st: Storage;
beforeAll(async () => {
  st = await openMemStorage();
  const a = st.appender();
  for (let t = 0; t <= 600_000; t += 60_000) {
    for (const job of ['a', 'b', 'c']) a.append(0, Labels.from({ __name__: 'req_total', job }), t, t / 1000);
  }
  a.commit();
});
afterAll(() => st.close());

/** check runs an instant query at 10m and compares `{labels} value` lines. */
async function check(query: string, want: string[]): Promise<void> {
  const r = await new Engine().instantQuery(st, query, 600_000);
  const got = r.value.resultType === 'vector' ? r.value.samples.map((s) => `${s.metric} ${s.f}`) : [JSON.stringify(r.value)];
  expect(got.sort()).toEqual([...want].sort());
}

describe('Engine', () => {
  const cases: Array<[string, string[]]> = [
    ['req_total{job="a"}', ['req_total{job="a"} 600']],
    ['sum(req_total)', ['{} 1800']],
    ['rate(req_total{job="b"}[5m])', ['{job="b"} 1']],
    ['req_total{job="a"} + on(job) req_total{job="a"}', ['{job="a"} 1200']],
    ['count(req_total)', ['{} 3']],
    ['max_over_time(req_total{job="c"}[5m:1m])', ['{job="c"} 600']],
  ];
  for (const [q, want] of cases) it(q, () => check(q, want));

  it('range query yields one series per label set with a point per step', async () => {
    const r = await new Engine().rangeQuery(st, 'sum by (job) (req_total)', 0, 600_000, 60_000);
    expect(r.value.resultType).toBe('matrix');
    if (r.value.resultType === 'matrix') {
      expect(r.value.series.map((s) => s.metric.toString())).toEqual(['{job="a"}', '{job="b"}', '{job="c"}']);
      expect(r.value.series[0].ts.length).toBe(11);
    }
  });

  it('gives each series of a range result its own points as columns, gaps left out', async () => {
    // req_total > 200 leaves out the steps before 4m, where vector(7) fills in: columns of different lengths.
    const r = await new Engine().rangeQuery(st, 'req_total > 200 or on() vector(7)', 0, 600_000, 120_000);
    if (r.value.resultType !== 'matrix') throw new Error(`got ${r.value.resultType}`);
    expect(r.value.series.map((s) => [s.metric.toString(), Array.from(s.ts), Array.from(s.vs)])).toEqual([
      ['{}', [0, 120_000], [7, 7]],
      ...['a', 'b', 'c'].map((job) => [`req_total{job="${job}"}`, [240_000, 360_000, 480_000, 600_000], [240, 360, 480, 600]]),
    ]);
    const scalar = await new Engine().rangeQuery(st, 'time()', 0, 240_000, 120_000);
    if (scalar.value.resultType !== 'matrix') throw new Error(`got ${scalar.value.resultType}`);
    expect(scalar.value.series.map((s) => [s.metric.toString(), Array.from(s.ts), Array.from(s.vs)])).toEqual([['{}', [0, 120_000, 240_000], [0, 120, 240]]]);
  });

  it('reports too many samples', async () => {
    await expect(new Engine({ maxSamples: 2 }).instantQuery(st, 'req_total', 600_000)).rejects.toBeInstanceOf(TooManySamplesError);
  });

  it('honours an aborted signal', async () => {
    const c = new AbortController();
    c.abort();
    await expect(new Engine().instantQuery(st, 'req_total', 600_000, { signal: c.signal })).rejects.toBeInstanceOf(QueryCanceledError);
  });

  it('throws ParseError for bad queries and execution errors for duplicate label sets', async () => {
    await expect(new Engine().instantQuery(st, 'sum(', 0)).rejects.toBeInstanceOf(ParseError);
    await expect(new Engine().instantQuery(st, 'label_replace(req_total, "job", "x", "job", ".*")', 600_000)).rejects.toThrow(QueryExecutionError);
  });

  it('adds the counter info for rate over a non-counter name', async () => {
    const a = st.appender();
    a.append(0, Labels.from({ __name__: 'temp', x: '1' }), 540_000, 1);
    a.append(0, Labels.from({ __name__: 'temp', x: '1' }), 600_000, 2);
    a.commit();
    const r = await new Engine().instantQuery(st, 'rate(temp[5m])', 600_000);
    expect(r.infos).toEqual(['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "temp" (1:6)']);
  });
});
