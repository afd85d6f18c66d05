// HA deduplication with real processes: two edges, replicas r1 and r2 of cluster c1, scrape the
// same target every second and stream to one hub. The hub stores one series set, without the
// replica label. The leader is SIGKILLed: the other replica takes over within the failover
// timeout, and the stored series have no gap longer than a scrape interval. The killed replica
// is restarted: it replays its backlog as a follower, and nothing is stored twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api, edgeArgs, freePort, hubArgs, instant, Procs, sleep, startTarget, waitFor, writeEdgeConfig, writeHubConfig,
  type EdgeSetup, type HubSetup, type MatrixSeries, type Proc, type Target,
} from '../hub/streaming-harness.ts';

const procs = new Procs();
let dir: string, target: Target;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-streaming-ha-'));
  target = await startTarget();
});

afterAll(async () => {
  await procs.stopAll();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface EdgeRow {
  edge: string;
  state: string;
  replica?: string;
  leader?: boolean;
}

const leaderOf = async (hubPort: number) => {
  const { edges } = await api<{ edges: EdgeRow[] }>(hubPort, '/api/v1/edges');
  return edges.find((e) => e.state === 'streaming' && e.leader)?.edge;
};

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('HA replica pair', () => {
  it('stores one series set, fails over without a gap, and stores nothing twice when the old leader returns', async () => {
    const hub: HubSetup = { dir: join(dir, 'hub'), port: await freePort(), edges: { r1: 'secret-r1', r2: 'secret-r2' }, dedup: '{cluster_label: cluster, replica_label: replica}' };
    const hubConfig = writeHubConfig(hub);
    const setups: Record<string, EdgeSetup> = {};
    const edges: Record<string, Proc> = {};
    for (const name of ['r1', 'r2']) {
      const e: EdgeSetup = { dir: join(dir, name), port: await freePort(), name, token: `secret-${name}`, hubPort: hub.port, target: target.address, externalLabels: { cluster: 'c1', replica: name } };
      setups[name] = e;
    }
    const configs = Object.fromEntries(Object.entries(setups).map(([n, e]) => [n, writeEdgeConfig(e)]));
    procs.start('hub', hubArgs(hub, hubConfig));
    const started = Date.now();
    for (const name of ['r1', 'r2']) edges[name] = procs.start(name, edgeArgs(setups[name], configs[name]));
    try {
      await waitFor(async () => {
        const { edges: rows } = await api<{ edges: EdgeRow[] }>(hub.port, '/api/v1/edges');
        return rows.filter((r) => r.state === 'streaming').length === 2;
      }, 20_000, 'both replicas streaming');
      await sleep(3000);

      // One series set, without the replica label.
      const series = await api<Array<Record<string, string>>>(hub.port, `/api/v1/series?match[]=${encodeURIComponent('{cluster="c1"}')}`);
      const edgeSeries = await api<Array<Record<string, string>>>(setups.r1.port, `/api/v1/series?match[]=${encodeURIComponent('{job="app"}')}`);
      expect(series.length).toBe(edgeSeries.length);
      expect(series.every((s) => s.replica === undefined && s.cluster === 'c1')).toBe(true);

      const leader = (await leaderOf(hub.port))!;
      expect(['r1', 'r2']).toContain(leader);
      const other = leader === 'r1' ? 'r2' : 'r1';
      const killedAt = Date.now();
      await edges[leader].stop('SIGKILL');
      await waitFor(async () => (await leaderOf(hub.port)) === other, 10_000, `replica ${other} taking over`);
      const tookOver = Date.now() - killedAt;
      // Failover timeout: twice the 1 s interval; the follower's next batch (≤ 1 s later) takes over.
      const timeout = await metric(hub.port, 'outpost_dedup_failover_timeout_seconds');
      expect(timeout).toBeGreaterThanOrEqual(2);
      expect(timeout).toBeLessThanOrEqual(2.5);
      expect(tookOver).toBeLessThanOrEqual(2000 + 1000 + 1000);

      await sleep(3000);
      edges[leader] = procs.start(`${leader}-restarted`, edgeArgs(setups[leader], configs[leader]));
      await waitFor(async () => {
        const u = await api<{ state: string; pendingBatches: number }>(setups[leader].port, '/api/v1/uplink');
        return u.state === 'streaming' && u.pendingBatches === 0;
      }, 20_000, `restarted ${leader} caught up`);
      await sleep(3000);

      const t = Date.now() - 1500;
      const window = `${Math.ceil((t - started) / 1000) + 5}s`;
      const raw = await instant<MatrixSeries[]>(hub.port, `{cluster="c1", job="app"}[${window}]`, t);
      expect(raw.length).toBe(edgeSeries.length);
      const changes = await metric(hub.port, 'outpost_dedup_leader_changes_total');
      expect(changes).toBeGreaterThanOrEqual(2); // the first leader, then the takeover
      for (const s of raw) {
        const ts = s.values.map(([x]) => Math.round(x * 1000));
        let maxGap = 0, short = 0;
        for (let i = 1; i < ts.length; i++) {
          const gap = ts[i] - ts[i - 1];
          maxGap = Math.max(maxGap, gap);
          if (gap < 900) short++;
        }
        // No gap over one interval (scrape timestamps are aligned; 200 ms for jitter), and
        // samples closer than an interval only where the leader changed (one per takeover).
        expect(maxGap, `${JSON.stringify(s.metric)}: ${ts.join(' ')}`).toBeLessThanOrEqual(1200);
        expect(short, `${JSON.stringify(s.metric)}: ${ts.join(' ')}`).toBeLessThanOrEqual(changes - 1);
        expect(ts.length).toBeGreaterThanOrEqual(Math.floor((t - started) / 1000) - 5);
      }
      expect(await metric(hub.port, 'outpost_dedup_samples_dropped_total')).toBeGreaterThan(0);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${procs.logs()}`, { cause: err });
    }
  }, 60_000);
});
