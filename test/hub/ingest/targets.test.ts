import { Hono } from 'hono';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { targetsRoutes, type TargetsProvider } from '../../../shared/api/targets-routes.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { CloseCode, EdgeEncoder, encodeTargets, type TargetReport } from '../../../shared/protocol/index.ts';
import { packFrame } from '../../../shared/protocol/msgpack.ts';
import { Dedup } from '../../../hub/dedup/index.ts';
import { hubTargets } from '../../../hub/ingest/targets.ts';
import { L, testHub, type MemSocket } from './helpers.ts';

const NODE: TargetReport = {
  scrapePool: 'node', scrapeUrl: 'http://10.0.0.1:9100/metrics', labels: ['instance', '10.0.0.1:9100', 'job', 'node'],
  health: 'up', lastError: '', lastScrape: 1_700_000_000_000, lastScrapeDurationUs: 2500, scrapeIntervalMs: 15_000, scrapeTimeoutMs: 10_000,
};
const APP: TargetReport = { ...NODE, scrapePool: 'app', scrapeUrl: 'http://10.0.0.2:8080/metrics', labels: ['instance', '10.0.0.2:8080', 'job', 'app'], health: 'down', lastError: 'connection refused' };

function hello(s: MemSocket, edge: string, token: string, externalLabels: string[]): EdgeEncoder {
  const enc = new EdgeEncoder();
  s.deliver(enc.hello({ edge, token, externalLabels, resume: 0 }));
  const w = s.sent[0];
  if (w?.type !== 'welcome') throw new Error(`not welcomed: ${JSON.stringify(w)}`);
  enc.welcome(w.welcome);
  return enc;
}

/** hubOwn: a TargetsProvider standing for the hub's own scrape manager, with one target. */
const hubOwn: TargetsProvider = {
  targets: () => ({
    active: [{ discoveredLabels: L({ __address__: 'localhost:9090', job: 'hub' }), labels: L({ instance: 'localhost:9090', job: 'hub' }), scrapePool: 'hub', scrapeUrl: 'http://localhost:9090/metrics', lastError: '', lastScrape: 1, lastScrapeDuration: 0.001, health: 'up', scrapeInterval: '15s', scrapeTimeout: '10s' }],
    dropped: [],
    droppedCounts: { hub: 0 },
  }),
  targetMetadata: () => [],
};

async function listTargets(provider: TargetsProvider, query = ''): Promise<Array<Record<string, unknown>>> {
  const app = new Hono();
  targetsRoutes(app, provider, { externalUrl: 'http://hub:9090', listenAddress: '0.0.0.0:9090' });
  const res = await app.request(`/api/v1/targets${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { activeTargets: Array<Record<string, unknown>> } }).data.activeTargets;
}

describe('edge targets on the hub', () => {
  it("lists an edge's reported targets with its external labels beside the hub's own", async () => {
    const { connect, hub } = testHub();
    const s = connect();
    hello(s, 'edge-a', 'secret-a', ['dc', 'eu-1', 'site', 'a']);
    s.deliver(encodeTargets([NODE, APP]));
    expect(s.closed).toBeNull();
    const got = await listTargets(hubTargets(hubOwn, hub.targets));
    expect(got.map((t) => [t.scrapePool, t.labels, t.health])).toEqual([
      ['app', { dc: 'eu-1', instance: '10.0.0.2:8080', job: 'app', site: 'a' }, 'down'],
      ['hub', { instance: 'localhost:9090', job: 'hub' }, 'up'],
      ['node', { dc: 'eu-1', instance: '10.0.0.1:9100', job: 'node', site: 'a' }, 'up'],
    ]);
    expect(got[2]).toMatchObject({
      scrapeUrl: NODE.scrapeUrl, globalUrl: NODE.scrapeUrl, lastError: '', lastScrape: '2023-11-14T22:13:20.000Z',
      lastScrapeDuration: 0.0025, scrapeInterval: '15s', scrapeTimeout: '10s', discoveredLabels: {},
    });
    expect(got[0].lastError).toBe('connection refused');
    // Filters keep working over the merged list.
    expect((await listTargets(hubTargets(hubOwn, hub.targets), '?scrapePool=node')).map((t) => t.scrapePool)).toEqual(['node']);
    expect(await listTargets(hubTargets(hubOwn, hub.targets), '?state=dropped')).toEqual([]);
  });

  it('replaces the list on each report; keeps it as unknown after a disconnect, then drops it after the retention', () => {
    let now = 1_000_000;
    const { connect, hub } = testHub({ now: () => now, targetsRetentionMs: 60_000 });
    const s = connect();
    hello(s, 'edge-a', 'secret-a', ['site', 'a']);
    s.deliver(encodeTargets([NODE, APP]));
    s.deliver(encodeTargets([NODE]));
    expect(hub.targets.active().map((t) => [t.scrapePool, t.health])).toEqual([['node', 'up']]);
    s.handlers.onClose(1006, '');
    expect(hub.targets.active().map((t) => [t.scrapePool, t.health, t.lastError])).toEqual([['node', 'unknown', 'edge disconnected']]);
    now += 59_000;
    expect(hub.targets.edges()).toEqual(['edge-a']);
    // The edge comes back and reports: live again.
    const s2 = connect();
    hello(s2, 'edge-a', 'secret-a', ['site', 'a']);
    expect(hub.targets.active()[0].health).toBe('unknown'); // nothing reported yet on this connection
    s2.deliver(encodeTargets([NODE]));
    expect(hub.targets.active()[0].health).toBe('up');
    s2.handlers.onClose(1006, '');
    now += 60_000;
    expect(hub.targets.active()).toEqual([]);
    expect(hub.targets.edges()).toEqual([]);
  });

  it('a bad TARGETS frame closes only that session; the other edge keeps its targets', () => {
    const { connect, hub } = testHub();
    const a = connect();
    hello(a, 'edge-a', 'secret-a', ['site', 'a']);
    const b = connect();
    hello(b, 'edge-b', 'secret-b', ['site', 'b']);
    a.deliver(encodeTargets([NODE]));
    b.deliver(encodeTargets([NODE]));
    b.deliver(packFrame([11, [['node', 'u', ['job'], 1, '', 0, 0, 0, 0]]]));
    expect(b.closed?.code).toBe(CloseCode.PROTOCOL);
    expect(b.closed?.reason).toMatch(/targets\[0\].labels has an odd number/);
    expect(a.closed).toBeNull();
    expect(hub.targets.active().map((t) => [t.labels.get('site'), t.health])).toEqual([['a', 'up'], ['b', 'unknown']]);
  });

  it('an oversized TARGETS frame closes the session with FRAME_TOO_LARGE', () => {
    const { connect } = testHub({ limits: { maxFrameBytes: 4096 } });
    const s = connect();
    hello(s, 'edge-a', 'secret-a', []);
    s.deliver(encodeTargets(new Array(100).fill(NODE)));
    expect(s.closed?.code).toBe(CloseCode.FRAME_TOO_LARGE);
  });

  it('an HA replica lists its targets without the replica label, as its series are stored', () => {
    const { connect, hub } = testHub({ dedup: new Dedup({ clusterLabel: 'cluster', replicaLabel: 'replica', registry: new Registry() }) });
    const s = connect();
    hello(s, 'edge-a', 'secret-a', ['cluster', 'c1', 'replica', 'r1']);
    s.deliver(encodeTargets([NODE]));
    expect(hub.targets.active()[0].labels).toEqual(Labels.from({ cluster: 'c1', instance: '10.0.0.1:9100', job: 'node' }));
  });
});
