// /-/reload, notifications, walreplay, features, metadata and scrape_pools through the hub app.
import { describe, expect, it } from 'vitest';
import { Labels } from '../../shared/model/labels.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { FUNCTION_IMPLS } from '../../shared/promql/engine/index.ts';
import type { TargetsProvider } from '../../shared/api/targets-routes.ts';
import { hubApp } from '../../hub/app.ts';
import { hubRegistry } from '../../hub/metrics.ts';
import { hubStatus } from '../../hub/status.ts';

const storage = openMemStorage();
let reloadError: Error | null = null;
let reloads = 0;
const t1 = Labels.from({ instance: 'a:1', job: 'app' });
const t2 = Labels.from({ instance: 'b:1', job: 'app' });
const targets: TargetsProvider = {
  targets: () => ({ active: [], dropped: [], droppedCounts: { node: 0, app: 2 } }),
  targetMetadata: () => [
    { target: t1, metric: 'req_total', type: 'counter', help: 'Requests.', unit: '' },
    { target: t2, metric: 'req_total', type: 'counter', help: 'All requests.', unit: '' },
    { target: t2, metric: 'req_total', type: 'counter', help: 'Requests.', unit: '' },
    { target: t1, metric: 'mem_bytes', type: 'gauge', help: 'Memory.', unit: 'bytes' },
  ],
};
const app = hubApp({
  storage, registry: hubRegistry(storage, 'test'), version: 'test', targets,
  status: hubStatus({ storage, flags: new Map(), config: () => ({ yaml: '', loadedAt: new Date(), lastReloadOk: true }) }),
  reload: async () => {
    reloads++;
    if (reloadError) throw reloadError;
  },
});
const json = async (path: string) => ((await (await app.request(path)).json()) as { data: any }).data;

describe('/-/reload', () => {
  it('reloads on POST and PUT, refuses GET with 405, and raises a notification while failing', async () => {
    expect((await app.request('/-/reload', { method: 'POST' })).status).toBe(200);
    expect((await app.request('/-/reload', { method: 'PUT' })).status).toBe(200);
    const get = await app.request('/-/reload');
    expect(get.status).toBe(405);
    expect(await get.text()).toBe('Only POST or PUT requests allowed');
    expect(reloads).toBe(2);

    reloadError = new Error('bad.yml: line 3: oops');
    const failed = await app.request('/-/reload', { method: 'POST' });
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('failed to reload config: bad.yml: line 3: oops\n');
    const notes = await json('/api/v1/notifications');
    expect(notes).toEqual([{ text: 'Configuration reload has failed.', date: expect.any(String), active: true }]);

    reloadError = null;
    expect((await app.request('/-/reload', { method: 'POST' })).status).toBe(200);
    expect(await json('/api/v1/notifications')).toEqual([]);
  });

  it('answers 403 when no reload function is wired, as Prometheus without --web.enable-lifecycle', async () => {
    const bare = hubApp({ storage, registry: hubRegistry(storage, 't'), version: 't', status: hubStatus({ storage, flags: new Map(), config: () => ({ yaml: '', loadedAt: new Date(), lastReloadOk: true }) }) });
    expect((await bare.request('/-/reload', { method: 'POST' })).status).toBe(403);
  });
});

describe('server status', () => {
  it('reports no WAL replay for in-memory storage and the features implemented', async () => {
    expect(await json('/api/v1/status/walreplay')).toEqual({ min: 0, max: 0, current: 0 });
    const f = await json('/api/v1/features');
    expect(f.api).toMatchObject({ lifecycle: true, admin: false, query_stats: true });
    expect(f.tsdb.exemplar_storage).toBe(false);
    expect(f.promql_functions.rate).toBe(true);
    for (const [name, on] of Object.entries(f.promql_functions)) expect({ name, on }).toEqual({ name, on: FUNCTION_IMPLS.has(name) });
  });
});

describe('/api/v1/metadata and /api/v1/scrape_pools', () => {
  it('merges metadata over targets, with metric, limit and limit_per_metric', async () => {
    expect(await json('/api/v1/metadata')).toEqual({
      mem_bytes: [{ type: 'gauge', help: 'Memory.', unit: 'bytes' }],
      req_total: [{ type: 'counter', help: 'Requests.', unit: '' }, { type: 'counter', help: 'All requests.', unit: '' }],
    });
    expect(await json('/api/v1/metadata?metric=req_total&limit_per_metric=1')).toEqual({ req_total: [{ type: 'counter', help: 'Requests.', unit: '' }] });
    expect(Object.keys(await json('/api/v1/metadata?limit=1'))).toEqual(['mem_bytes']);
    expect(await json('/api/v1/metadata?limit=0')).toEqual({});
    const bad = await app.request('/api/v1/metadata?limit=x');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errorType: 'bad_data', error: 'limit must be a number' });
  });

  it('lists the configured scrape pools, sorted', async () => {
    expect(await json('/api/v1/scrape_pools')).toEqual({ scrapePools: ['app', 'node'] });
  });
});

describe('query timeout', () => {
  it('answers 503 with errorType timeout, as Prometheus', async () => {
    const big = openMemStorage();
    const a = big.appender();
    for (let i = 0; i < 2000; i++) for (let s = 0; s < 50; s++) a.append(0, Labels.from({ __name__: 'x', s: String(s) }), 1e12 + i * 1000, i);
    a.commit();
    const slow = hubApp({ storage: big, registry: hubRegistry(big, 't'), version: 't', status: hubStatus({ storage: big, flags: new Map(), config: () => ({ yaml: '', loadedAt: new Date(), lastReloadOk: true }) }) });
    const q = encodeURIComponent('sum(rate(x[5m]))');
    const res = await slow.request(`/api/v1/query_range?query=${q}&start=1000000000&end=1000001999&step=1&timeout=1ms`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'error', errorType: 'timeout' });
    const ok = await slow.request(`/api/v1/query_range?query=${q}&start=1000000000&end=1000001999&step=1`);
    expect(ok.status).toBe(200);
    await big.close();
  });
});
