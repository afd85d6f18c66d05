import { afterEach, describe, expect, it, vi } from 'vitest';
import { Uplink } from '../../../edge/uplink/index.ts';
import { nodeFS } from '../../../shared/tsdb/wal/fs.ts';
import { countBySeries } from '../../hub/ingest/helpers.ts';
import { ingestedSamples, seriesOf, sleep, startHub, tempDir, until, type TestHub } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('uplink over a real WebSocket on loopback', () => {
  it('streams every batch; across a hub stop and restart each sample arrives exactly once', async () => {
    const hubDir = await tempDir('outpost-hub-');
    const edgeDir = await tempDir('outpost-edge-');
    cleanup.push(hubDir.remove, edgeDir.remove);
    let hub: TestHub | null = await startHub(0, hubDir.dir);
    const port = hub.port;
    const url = hub.url;
    const logs: string[] = [];
    const uplink = await Uplink.open({ url, edge: 'edge-a', token: 'secret-a', externalLabels: ['site', 'a'], dir: edgeDir.dir, sync: 'never', backoff: { initialMs: 20, maxMs: 200 }, log: (m) => logs.push(m) });
    cleanup.push(() => uplink.close());
    uplink.start();
    const S = 50, N = 90;
    const labels = seriesOf(S);
    let received = 0;
    for (let i = 1; i <= N; i++) {
      await uplink.offer(i * 1000, labels, new Float64Array(S).fill(i));
      await sleep(3);
      if (i === 30) {
        await until(async () => uplink.status().pendingBatches === 0, 5000);
        received += await ingestedSamples(hub!, 'edge-a');
        await hub!.stop();
        hub = null;
      }
      if (i === 60) hub = await startHub(port, hubDir.dir);
    }
    await uplink.drained(10_000);
    received += await ingestedSamples(hub!, 'edge-a');
    const counts = countBySeries(hub!.storage);
    expect(counts.size).toBe(S);
    for (const [name, n] of counts) {
      expect(name).toMatch(/site="a"/);
      expect(n).toBe(N);
    }
    // Every sample was appended once: nothing was resent after an acknowledgement.
    expect(received).toBe(S * N);
    expect(uplink.status().reconnects).toBeGreaterThan(0);
    await hub!.stop();
  });

  it('sends live data first after a reconnect and backfills the backlog behind it', async () => {
    const edgeDir = await tempDir('outpost-edge-');
    cleanup.push(edgeDir.remove);
    const hub0 = await startHub(0);
    const port = hub0.port;
    await hub0.stop();
    // The hub is down while the edge stores B batches; backfill frames are kept small so it takes a while.
    const B = 1000;
    const uplink = await Uplink.open({
      url: `ws://127.0.0.1:${port}/api/v1/edge/stream`, edge: 'edge-a', token: 'secret-a', dir: edgeDir.dir, sync: 'never',
      backoff: { initialMs: 20, maxMs: 100 }, maxInFlight: 2, backfillSamples: 40, log: () => undefined,
    });
    cleanup.push(() => uplink.close());
    uplink.start();
    const labels = seriesOf(10);
    for (let i = 1; i <= B; i++) void uplink.offer(i * 1000, labels, new Float64Array(10).fill(i));
    const commits: number[] = [];
    const hub = await startHub(port, undefined, commits);
    cleanup.push(() => hub.stop());
    await until(() => uplink.status().state === 'streaming', 5000);
    const live = (B + 1) * 1000;
    await uplink.offer(live, labels, new Float64Array(10).fill(B + 1));
    await uplink.drained(10_000);
    const counts = countBySeries(hub.storage);
    for (const n of counts.values()) expect(n).toBe(B + 1);
    // The live batch was committed before the backfill finished.
    const at = commits.indexOf(live);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(commits.length - 1);
    expect(Math.max(...commits.slice(at + 1))).toBeLessThan(live);
  });

  it('sends live batches without reading the backlog back from disk while nothing is left behind', async () => {
    const edgeDir = await tempDir('outpost-edge-');
    cleanup.push(edgeDir.remove);
    const hub = await startHub(0);
    cleanup.push(() => hub.stop());
    const uplink = await Uplink.open({ url: hub.url, edge: 'edge-a', token: 'secret-a', dir: edgeDir.dir, sync: 'never', log: () => undefined });
    cleanup.push(() => uplink.close());
    uplink.start();
    await until(() => uplink.status().state === 'streaming', 5000);
    const reads = vi.spyOn(nodeFS, 'readFile');
    cleanup.push(async () => reads.mockRestore());
    const labels = seriesOf(20);
    for (let i = 1; i <= 40; i++) {
      await uplink.offer(i * 1000, labels, new Float64Array(20).fill(i));
      await uplink.drained(5000);
    }
    expect([...countBySeries(hub.storage).values()]).toEqual(new Array(20).fill(40));
    expect(reads.mock.calls.map(([path]) => path).filter((p) => p.startsWith(edgeDir.dir))).toEqual([]);
  });

  it('retries with backoff when refused, and connects once the token is right', async () => {
    const edgeDir = await tempDir('outpost-edge-');
    cleanup.push(edgeDir.remove);
    const hub = await startHub(0);
    cleanup.push(() => hub.stop());
    const logs: string[] = [];
    const bad = await Uplink.open({ url: hub.url, edge: 'edge-a', token: 'wrong', dir: edgeDir.dir, sync: 'never', backoff: { initialMs: 10, maxMs: 50 }, log: (m) => logs.push(m) });
    bad.start();
    await bad.offer(1000, seriesOf(3), new Float64Array(3));
    expect(await until(() => bad.status().reconnects >= 2, 5000)).toBe(true);
    expect(logs.some((l) => /refused edge.*wrong token/.test(l))).toBe(true);
    await bad.close();
    const good = await Uplink.open({ url: hub.url, edge: 'edge-a', token: 'secret-a', dir: edgeDir.dir, sync: 'never', log: () => undefined });
    cleanup.push(() => good.close());
    good.start();
    await good.drained(5000); // the batch stored while refused arrives now
    expect([...countBySeries(hub.storage).values()]).toEqual([1, 1, 1]);
  });
});
