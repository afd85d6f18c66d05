// Edge targets on the hub with real processes: an edge scrapes a live target and one where nothing
// listens, and reports them to its hub (TARGETS frames); the hub's /api/v1/targets lists them with
// the edge's external labels beside its own target, and marks them unknown once the edge stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, edgeArgs, freePort, hubArgs, Procs, startTarget, waitFor, writeEdgeConfig, writeHubConfig, type EdgeSetup, type HubSetup, type Target } from '../hub/streaming-harness.ts';

const procs = new Procs();
let dir: string, target: Target;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-streaming-targets-'));
  target = await startTarget();
});

afterAll(async () => {
  await procs.stopAll();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ApiTarget {
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
  lastScrape: string;
  scrapeInterval: string;
}

const targets = async (port: number, query = '') => (await api<{ activeTargets: ApiTarget[] }>(port, `/api/v1/targets${query}`)).activeTargets;

describe("an edge's targets on its hub's /api/v1/targets", () => {
  it('lists them with the edge labels, up and down, beside the hub target; unknown after the edge stops', async () => {
    const hub: HubSetup = { dir: join(dir, 'hub'), port: await freePort(), edges: { e1: 'secret-e1' }, scrapeSelf: true };
    const closed = `127.0.0.1:${await freePort()}`;
    const edge: EdgeSetup = { dir: join(dir, 'edge'), port: await freePort(), name: 'e1', token: 'secret-e1', hubPort: hub.port, target: target.address, externalLabels: { site: 's1' }, extraTargets: [closed] };
    procs.start('hub', hubArgs(hub, writeHubConfig(hub)));
    const e = procs.start('edge', edgeArgs(edge, writeEdgeConfig(edge)));

    const all = await waitFor(async () => {
      const ts = await targets(hub.port);
      const app = ts.filter((t) => t.scrapePool === 'app');
      return app.length === 2 && app.every((t) => t.health !== 'unknown') && ts.some((t) => t.scrapePool === 'hub' && t.health === 'up') ? ts : undefined;
    }, 20_000, "the hub listing the edge's scraped targets and its own");
    const up = all.find((t) => t.labels.instance === target.address)!;
    expect(up).toMatchObject({ scrapePool: 'app', health: 'up', lastError: '', scrapeUrl: `http://${target.address}/metrics`, scrapeInterval: '1s', labels: { instance: target.address, job: 'app', site: 's1' } });
    expect(Date.now() - Date.parse(up.lastScrape)).toBeLessThan(20_000);
    const down = all.find((t) => t.labels.instance === closed)!;
    expect(down).toMatchObject({ scrapePool: 'app', health: 'down', labels: { instance: closed, job: 'app', site: 's1' } });
    expect(down.lastError).not.toBe('');
    // The hub's own target carries no edge labels.
    expect(all.find((t) => t.scrapePool === 'hub')!.labels).toEqual({ instance: `127.0.0.1:${hub.port}`, job: 'hub' });
    // Filters apply to the merged list.
    expect((await targets(hub.port, '?scrapePool=app')).map((t) => t.scrapePool)).toEqual(['app', 'app']);
    expect(await targets(hub.port, '?state=dropped')).toEqual([]);

    expect(await e.stop('SIGTERM')).toBe(0);
    const gone = await waitFor(async () => {
      const app = (await targets(hub.port, '?scrapePool=app'));
      return app.length === 2 && app.every((t) => t.health === 'unknown') ? app : undefined;
    }, 10_000, "the edge's targets marked unknown");
    expect(gone.map((t) => t.lastError)).toEqual(['edge disconnected', 'edge disconnected']);
  }, 60_000);
});
