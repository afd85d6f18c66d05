// The query endpoints through the hub app, in process (app.request), over an in-memory storage.
import { beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { formatValue } from '../../shared/api/query-routes.ts';
import { hubApp } from '../../hub/app.ts';
import { hubRegistry } from '../../hub/metrics.ts';
import { hubStatus } from '../../hub/status.ts';
import type { ApiResponse } from './api-response.ts';

const storage = openMemStorage();
const app = hubApp({ storage, registry: hubRegistry(storage, 'test'), version: 'test', status: hubStatus({ storage, flags: new Map([['web.listen-address', '127.0.0.1:0']]), config: () => ({ yaml: 'global: {}\n', loadedAt: new Date(), lastReloadOk: true }) }) });
const T0 = 1_700_000_000_000;

beforeAll(() => {
  // Two counters growing by 1 and 2 per 15 s for 20 minutes.
  for (let i = 0; i <= 80; i++) {
    const a = storage.appender();
    a.append(0, Labels.from({ __name__: 'req_total', job: 'a' }), T0 + i * 15_000, i);
    a.append(0, Labels.from({ __name__: 'req_total', job: 'b' }), T0 + i * 15_000, 2 * i);
    a.commit();
  }
});

async function get(path: string, init?: RequestInit) {
  const res = await app.request(path, init);
  return { status: res.status, body: (await res.json()) as ApiResponse & { data: any } };
}
const s = (ms: number) => String(ms / 1000);

describe('/api/v1/query', () => {
  it('evaluates an instant vector', async () => {
    const { status, body } = await get(`/api/v1/query?query=${encodeURIComponent('sum by (job) (rate(req_total[5m]))')}&time=${s(T0 + 1_200_000)}`);
    expect(status).toBe(200);
    expect(body.data.resultType).toBe('vector');
    const byJob = Object.fromEntries(body.data.result.map((r: any) => [r.metric.job, r.value]));
    expect(byJob.a[0]).toBe((T0 + 1_200_000) / 1000);
    expect(Number(byJob.a[1])).toBeCloseTo(1 / 15, 10);
    expect(Number(byJob.b[1])).toBeCloseTo(2 / 15, 10);
  });

  it('accepts form POSTs and scalars', async () => {
    const { body } = await get('/api/v1/query', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent('1/0')}&time=${s(T0)}`,
    });
    expect(body.data).toEqual({ resultType: 'scalar', result: [T0 / 1000, '+Inf'] });
  });

  it('reports a bad query with its position as bad_data', async () => {
    const { status, body } = await get(`/api/v1/query?query=${encodeURIComponent('sum(')}`);
    expect(status).toBe(400);
    expect(body.errorType).toBe('bad_data');
    expect(body.error).toMatch(/^invalid parameter "query": 1:5: parse error/);
  });
});

describe('/api/v1/query_range', () => {
  it('evaluates a matrix over the step grid', async () => {
    const q = encodeURIComponent('req_total{job="a"}');
    const { status, body } = await get(`/api/v1/query_range?query=${q}&start=${s(T0)}&end=${s(T0 + 60_000)}&step=30`);
    expect(status).toBe(200);
    expect(body.data).toEqual({
      resultType: 'matrix',
      result: [{ metric: { __name__: 'req_total', job: 'a' }, values: [[T0 / 1000, '0'], [T0 / 1000 + 30, '2'], [T0 / 1000 + 60, '4']] }],
    });
  });

  it('refuses bad ranges the way Prometheus does', async () => {
    const cases: Array<[string, string]> = [
      [`query=up&end=${s(T0)}&step=15`, 'invalid parameter "start"'],
      [`query=up&start=${s(T0)}&end=${s(T0)}&step=0`, 'zero or negative query resolution step'],
      [`query=up&start=${s(T0)}&end=${s(T0)}&step=forever`, 'invalid parameter "step"'],
      [`query=up&start=0&end=${s(T0)}&step=1`, 'exceeded maximum resolution of 11,000 points per timeseries'],
      [`query=up&start=${s(T0)}&end=${s(T0 - 1000)}&step=15`, 'end timestamp must not be before start time'],
    ];
    for (const [qs, msg] of cases) {
      const { status, body } = await get(`/api/v1/query_range?${qs}`);
      expect({ qs, status, error: body.error?.includes(msg) }).toEqual({ qs, status: 400, error: true });
    }
  });
});

describe('/api/v1/format_query', () => {
  it('prints a query the way Prometheus prints it', async () => {
    const { body } = await get(`/api/v1/format_query?query=${encodeURIComponent('sum(rate(x[5m]))by(job)')}`);
    expect(body.data).toBe('sum by (job) (rate(x[5m]))');
  });
});

describe('formatValue', () => {
  const cases: Array<[number, string]> = [
    [0, '0'], [-0, '-0'], [1.5, '1.5'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'],
    [1e21, '1000000000000000000000'], [1.25e-7, '0.000000125'], [-3e-8, '-0.00000003'], [123456789012, '123456789012'],
  ];
  for (const [v, want] of cases) it(`${v} → ${want}`, () => expect(formatValue(v)).toBe(want));
});

describe('/api/v1/status', () => {
  it('reports flags, config, runtime and head cardinality', async () => {
    expect((await get('/api/v1/status/flags')).body.data).toEqual({ 'web.listen-address': '127.0.0.1:0' });
    expect((await get('/api/v1/status/config')).body.data).toEqual({ yaml: 'global: {}\n' });
    const rt = (await get('/api/v1/status/runtimeinfo')).body.data;
    expect(rt.reloadConfigSuccess).toBe(true);
    expect(Date.parse(rt.startTime)).toBeGreaterThan(0);
    const tsdb = (await get('/api/v1/status/tsdb')).body.data;
    expect(tsdb.headStats).toMatchObject({ numSeries: 2, numLabelPairs: 3, minTime: T0, maxTime: T0 + 80 * 15_000 });
    expect(tsdb.seriesCountByMetricName).toEqual([{ name: 'req_total', value: 2 }]);
    expect(tsdb.labelValueCountByLabelName).toEqual([{ name: 'job', value: 2 }, { name: '__name__', value: 1 }]);
    expect(tsdb.seriesCountByLabelValuePair[0]).toEqual({ name: '__name__=req_total', value: 2 });
  });
});
