// /api/v1/series in process over an in-memory storage: several match[] selectors are merged in
// label order (Labels.compare, as Prometheus' merged series set orders them), each series once.
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { Labels } from '../../shared/model/labels.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { seriesRoutes } from '../../shared/api/series-routes.ts';
import { ApiError, failure } from '../../shared/api/respond.ts';

const T0 = 1_700_000_000_000;
const storage = openMemStorage();
const sets: Record<string, string>[] = [
  { __name__: 'up', a: 'z' },
  { __name__: 'up', ab: 'c' }, // sorts after {a="z"} by Labels.compare, before it by joined text
  { __name__: 'up', job: 'x' },
  { __name__: 'down', job: 'x' },
];
const app = new Hono();
seriesRoutes(app, storage);
app.onError((err, c) => (err instanceof ApiError ? failure(c, err.errorType, err.message) : failure(c, 'internal', String(err))));
const ap = storage.appender();
for (const s of sets) ap.append(0, Labels.from(s), T0, 1);
ap.commit();

async function series(...selectors: string[]): Promise<{ data: Record<string, string>[]; warnings?: string[] }> {
  const qs = selectors.map((s) => `match[]=${encodeURIComponent(s)}`).join('&');
  const res = await app.request(`/api/v1/series?${qs}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { data: Record<string, string>[]; warnings?: string[] };
}

describe('/api/v1/series', () => {
  it('lists a selector\'s series in label order', async () => {
    expect((await series('up')).data).toEqual([sets[0], sets[1], sets[2]]);
  });

  it('merges several selectors in label order, each series once', async () => {
    expect((await series('{job="x"}', 'up', '{a="z"}')).data).toEqual([sets[3], sets[0], sets[1], sets[2]]);
    expect((await series('{job="x"}', '{job="x"}')).data).toEqual([sets[3], sets[2]]);
  });

  it('cuts at limit after merging, with a warning', async () => {
    const res = await app.request(`/api/v1/series?match[]=up&match[]=down&limit=2`);
    expect(await res.json()).toEqual({ status: 'success', data: [sets[3], sets[0]], warnings: ['results truncated due to limit'] });
  });
});
