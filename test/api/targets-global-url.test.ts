// globalUrl: the hub rewrites its own loopback targets to its external host, as Prometheus does,
// but reports a target scraped by an edge as the edge gave it (the edge's 127.0.0.1 is not the hub's).
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { Labels } from '../../shared/model/labels.ts';
import { targetsRoutes, type ActiveTargetInfo } from '../../shared/api/targets-routes.ts';

const target = (url: string, globalUrl?: string): ActiveTargetInfo => ({
  discoveredLabels: Labels.EMPTY, labels: Labels.from({ job: 'node', instance: new URL(url).host }), scrapePool: 'node',
  scrapeUrl: url, lastError: '', lastScrape: 0, lastScrapeDuration: 0, health: 'up', scrapeInterval: '15s', scrapeTimeout: '10s',
  ...(globalUrl ? { globalUrl } : {}),
});

describe('globalUrl', () => {
  it('rewrites the hub’s own loopback targets and keeps an edge’s as reported', async () => {
    const app = new Hono();
    const own = target('http://127.0.0.1:9100/metrics');
    const fromEdge = target('http://127.0.0.1:9101/metrics', 'http://127.0.0.1:9101/metrics');
    targetsRoutes(app, { targets: () => ({ active: [own, fromEdge], dropped: [], droppedCounts: {} }), targetMetadata: () => [] }, { externalUrl: 'http://hub.example:9090/', listenAddress: '0.0.0.0:9090' });
    const body = (await (await app.request('/api/v1/targets')).json()) as { data: { activeTargets: Array<{ scrapeUrl: string; globalUrl: string }> } };
    expect(body.data.activeTargets.map((t) => t.globalUrl)).toEqual(['http://hub.example:9100/metrics', 'http://127.0.0.1:9101/metrics']);
  });
});
