import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { Labels } from '../../../shared/model/labels.ts';
import { ApiError, failure } from '../../../shared/api/respond.ts';
import { globalUrl, targetsRoutes, type ActiveTargetInfo, type TargetsProvider } from '../../../shared/api/targets-routes.ts';
import type { ApiResponse } from '../../hub/api-response.ts';

const active = (pool: string, address: string, over: Partial<ActiveTargetInfo> = {}): ActiveTargetInfo => ({
  discoveredLabels: Labels.from({ __address__: address, job: pool }),
  labels: Labels.from({ instance: address, job: pool }),
  scrapePool: pool,
  scrapeUrl: `http://${address}/metrics`,
  lastError: '',
  lastScrape: Date.UTC(2026, 0, 2, 13, 36, 40, 200),
  lastScrapeDuration: 0.0065,
  health: 'up',
  scrapeInterval: '15s',
  scrapeTimeout: '10s',
  ...over,
});

const provider: TargetsProvider = {
  targets: () => ({
    active: [active('node', 'n1:9100'), active('api', 'localhost:8080', { health: 'unknown', lastScrape: 0 })],
    dropped: [{ discoveredLabels: Labels.from({ __address__: 'x:1', job: 'node' }), scrapePool: 'node' }],
    droppedCounts: { node: 3, api: 0 },
  }),
  targetMetadata: () => [
    { target: Labels.from({ job: 'node', instance: 'n1:9100' }), metric: 'up_time', type: 'gauge', help: 'Up.', unit: 'seconds' },
    { target: Labels.from({ job: 'node', instance: 'n1:9100' }), metric: 'reqs_total', type: 'counter', help: 'Reqs.', unit: '' },
    { target: Labels.from({ job: 'api', instance: 'localhost:8080' }), metric: 'reqs_total', type: 'counter', help: 'Reqs.', unit: '' },
  ],
};

function app() {
  const a = new Hono();
  targetsRoutes(a, provider, { externalUrl: 'http://edge.example:9095', listenAddress: '0.0.0.0:9095' });
  a.onError((err, c) => (err instanceof ApiError ? failure(c, err.errorType, err.message) : failure(c, 'internal', err.message)));
  return a;
}

async function get(path: string): Promise<{ status: number; body: ApiResponse }> {
  const res = await app().request(path);
  return { status: res.status, body: (await res.json()) as ApiResponse };
}

describe('GET /api/v1/targets', () => {
  it('returns active and dropped targets in Prometheus shape, sorted by pool', async () => {
    const { body } = await get('/api/v1/targets');
    const data = body.data as Record<string, unknown>;
    expect(data).toEqual({
      activeTargets: [
        {
          discoveredLabels: { __address__: 'localhost:8080', job: 'api' }, labels: { instance: 'localhost:8080', job: 'api' }, scrapePool: 'api',
          scrapeUrl: 'http://localhost:8080/metrics', globalUrl: 'http://edge.example:8080/metrics', lastError: '',
          lastScrape: '0001-01-01T00:00:00Z', lastScrapeDuration: 0.0065, health: 'unknown', scrapeInterval: '15s', scrapeTimeout: '10s',
        },
        {
          discoveredLabels: { __address__: 'n1:9100', job: 'node' }, labels: { instance: 'n1:9100', job: 'node' }, scrapePool: 'node',
          scrapeUrl: 'http://n1:9100/metrics', globalUrl: 'http://n1:9100/metrics', lastError: '',
          lastScrape: '2026-01-02T13:36:40.200Z', lastScrapeDuration: 0.0065, health: 'up', scrapeInterval: '15s', scrapeTimeout: '10s',
        },
      ],
      droppedTargets: [{ discoveredLabels: { __address__: 'x:1', job: 'node' }, scrapePool: 'node' }],
      droppedTargetCounts: { api: 0, node: 3 },
    });
  });

  const count = async (query: string) => {
    const data = (await get(`/api/v1/targets${query}`)).body.data as { activeTargets: unknown[]; droppedTargets: unknown[] };
    return [data.activeTargets.length, data.droppedTargets.length];
  };
  it('filters by state', async () => {
    expect(await count('?state=active')).toEqual([2, 0]);
    expect(await count('?state=Dropped')).toEqual([0, 1]);
    expect(await count('?state=any')).toEqual([2, 1]);
    expect(await count('?state=other')).toEqual([0, 0]);
  });
  it('filters by scrapePool', async () => {
    expect(await count('?scrapePool=api')).toEqual([1, 0]);
    expect(await count('?scrapePool=none')).toEqual([0, 0]);
    expect(((await get('/api/v1/targets?scrapePool=node')).body.data as { droppedTargetCounts: unknown }).droppedTargetCounts).toEqual({ node: 3 });
  });
});

describe('globalUrl', () => {
  const ext = new URL('https://edge.example:443');
  it('keeps remote hosts', () => expect(globalUrl('http://10.1.1.1:80/m', ext, '9095')).toBe('http://10.1.1.1:80/m'));
  it('names loopback hosts by the external host', () => expect(globalUrl('http://127.0.0.1:9100/metrics', ext, '9095')).toBe('http://edge.example:9100/metrics'));
  it('maps the server itself to the external URL', () => expect(globalUrl('http://localhost:9095/metrics', ext, '9095')).toBe('https://edge.example/metrics'));
});

describe('GET /api/v1/targets/metadata', () => {
  it('lists every family of every target', async () => {
    const { body } = await get('/api/v1/targets/metadata');
    expect(body.data).toHaveLength(3);
    expect((body.data as unknown[])[0]).toEqual({ target: { instance: 'n1:9100', job: 'node' }, metric: 'up_time', type: 'gauge', help: 'Up.', unit: 'seconds' });
  });
  it('filters by metric (leaving the metric name out), target selector and limit', async () => {
    expect((await get('/api/v1/targets/metadata?metric=reqs_total&match_target={job="api"}')).body.data).toEqual([
      { target: { instance: 'localhost:8080', job: 'api' }, type: 'counter', help: 'Reqs.', unit: '' },
    ]);
    expect((await get('/api/v1/targets/metadata?limit=1')).body.data).toHaveLength(2);
  });
  it('answers not_found when nothing matches and bad_data for a bad selector', async () => {
    expect(await get('/api/v1/targets/metadata?metric=nope')).toEqual({ status: 404, body: { status: 'error', errorType: 'not_found', error: 'specified metadata not found' } });
    const bad = await get('/api/v1/targets/metadata?match_target={job=');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^invalid parameter "match_target"/);
  });
});
