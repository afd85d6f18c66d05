// Edge → hub streaming with real processes: an edge scrapes a local target every second and
// streams to a hub; the hub is stopped for ~10 s and restarted on the same data directory. Once
// the edge has caught up, every series' count_over_time on the hub equals the edge's own count
// over the same window: the outage left no gap and the replay stored nothing twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api, countsByKey, drained, samplesByKey, edgeArgs, freePort, hubArgs, instant, Procs, sleep, startTarget, waitFor, writeEdgeConfig, writeHubConfig,
  type EdgeSetup, type HubSetup, type MatrixSeries, type Target, type VectorSample,
} from '../hub/streaming-harness.ts';

const procs = new Procs();
let dir: string, target: Target;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-streaming-'));
  target = await startTarget();
});

afterAll(async () => {
  await procs.stopAll();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('edge → hub streaming across a hub outage', () => {
  it('stores every sample once: counts on the hub equal the edge after a 10 s hub outage', async () => {
    const hub: HubSetup = { dir: join(dir, 'hub'), port: await freePort(), edges: { e1: 'secret-e1' } };
    const hubConfig = writeHubConfig(hub);
    const edge: EdgeSetup = { dir: join(dir, 'edge'), port: await freePort(), name: 'e1', token: 'secret-e1', hubPort: hub.port, target: target.address, externalLabels: { site: 's1' } };
    const started = Date.now();
    let h = procs.start('hub', hubArgs(hub, hubConfig));
    procs.start('edge', edgeArgs(edge, writeEdgeConfig(edge)));
    try {
      await waitFor(async () => (await instant(hub.port, 'up{site="s1"}', Date.now())).length === 1, 20_000, 'the edge streaming to the hub');
      const edges = await api<{ edges: Array<Record<string, unknown>> }>(hub.port, '/api/v1/edges');
      expect(edges.edges).toEqual([expect.objectContaining({ edge: 'e1', state: 'streaming', remoteAddress: expect.stringMatching(/127\.0\.0\.1/), series: expect.any(Number) })]);
      await sleep(3000);

      const down = Date.now();
      expect(await h.stop('SIGTERM')).toBe(0);
      await sleep(10_000);
      const up = Date.now();
      h = procs.start('hub-restarted', hubArgs(hub, hubConfig));
      await waitFor(async () => (await api<unknown>(hub.port, '/api/v1/status/buildinfo')) !== undefined, 20_000, 'the hub restarted');
      // t, the end of every window below, must fall well after the restart (up) for the check
      // that the series continues past the outage to mean anything.
      await sleep(4000);
      const t = Date.now() - 2000;
      await drained(edge.port, 20_000);

      const window = `${Math.ceil((t - started) / 1000) + 5}s`;
      const onEdge = await samplesByKey(edge.port, `{job="app"}[${window}]`, t, []);
      const onHub = await samplesByKey(hub.port, `{job="app"}[${window}]`, t, ['site']);
      expect(onEdge.size).toBeGreaterThanOrEqual(8); // 3 series of the page, 5 synthetic ones
      expect(onHub).toEqual(onEdge);
      const counts = (v: VectorSample[]) => countsByKey(v, ['site']);
      const q = `count_over_time(up[${window}])`;
      expect(counts(await instant<VectorSample[]>(hub.port, q, t))).toEqual(counts(await instant<VectorSample[]>(edge.port, q, t)));

      // Not vacuous: the outage is covered on the hub, one sample a second.
      const outage = Math.floor((up - down) / 1000);
      const during = await instant<VectorSample[]>(hub.port, `count_over_time(up{site="s1"}[${outage}s])`, up);
      expect(Number(during[0].value[1])).toBeGreaterThanOrEqual(outage - 1);
      const raw = await instant<MatrixSeries[]>(hub.port, `up{site="s1"}[${window}]`, t);
      const ts = raw[0].values.map(([s]) => s * 1000);
      let maxGap = 0;
      for (let i = 1; i < ts.length; i++) maxGap = Math.max(maxGap, ts[i] - ts[i - 1]);
      expect(maxGap).toBeLessThanOrEqual(1500);
      // The series spans the outage, one sample a second throughout.
      expect(ts[0]).toBeLessThan(down);
      expect(ts[ts.length - 1]).toBeGreaterThan(up);
      expect(ts.length).toBeGreaterThanOrEqual(Math.floor((ts[ts.length - 1] - ts[0]) / 1000));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${procs.logs()}`, { cause: err });
    }
  }, 60_000);
});
