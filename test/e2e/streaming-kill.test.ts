// Edge → hub streaming with real processes, killed: the edge is SIGKILLed at a random point and
// restarted on its data directory, then the hub is, and each time, once the edge has caught up,
// the hub holds exactly the edge's samples over the whole run (count_over_time included): the
// edge's backlog and the hub's acknowledged position survive a kill on either side.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countsByKey, drained, edgeArgs, freePort, hubArgs, instant, Procs, samplesByKey, sleep, startTarget, waitFor, writeEdgeConfig, writeHubConfig,
  type EdgeSetup, type HubSetup, type Target, type VectorSample,
} from '../hub/streaming-harness.ts';

const procs = new Procs();
let dir: string, target: Target;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-streaming-kill-'));
  target = await startTarget();
});

afterAll(async () => {
  await procs.stopAll();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** agree checks that the hub holds exactly the edge's samples of job app up to now - 2 s. */
async function agree(edgePort: number, hubPort: number, started: number): Promise<number> {
  await sleep(1000);
  const t = Date.now() - 2000;
  await drained(edgePort, 20_000);
  const window = `${Math.ceil((t - started) / 1000) + 5}s`;
  const onEdge = await samplesByKey(edgePort, `{job="app"}[${window}]`, t, []);
  const onHub = await samplesByKey(hubPort, `{job="app"}[${window}]`, t, ['site']);
  expect(onEdge.size).toBeGreaterThanOrEqual(8);
  expect(onHub).toEqual(onEdge);
  const q = `count_over_time(up[${window}])`;
  const counts = (v: VectorSample[]) => countsByKey(v, ['site']);
  const hubCounts = counts(await instant<VectorSample[]>(hubPort, q, t));
  expect(hubCounts).toEqual(counts(await instant<VectorSample[]>(edgePort, q, t)));
  return [...hubCounts.values()][0];
}

describe('edge → hub streaming through SIGKILL', () => {
  it('loses and duplicates nothing when the edge, then the hub, is killed at a random point', async () => {
    const hub: HubSetup = { dir: join(dir, 'hub'), port: await freePort(), edges: { e1: 'secret-e1' } };
    const hubConfig = writeHubConfig(hub);
    const edge: EdgeSetup = { dir: join(dir, 'edge'), port: await freePort(), name: 'e1', token: 'secret-e1', hubPort: hub.port, target: target.address, externalLabels: { site: 's1' } };
    const edgeConfig = writeEdgeConfig(edge);
    const started = Date.now();
    let h = procs.start('hub', hubArgs(hub, hubConfig));
    let e = procs.start('edge', edgeArgs(edge, edgeConfig));
    try {
      await waitFor(async () => (await instant(hub.port, 'up{site="s1"}', Date.now())).length === 1, 20_000, 'the edge streaming to the hub');

      // The edge dies between two scrapes, or in the middle of one.
      await sleep(1500 + Math.random() * 2500);
      await e.stop('SIGKILL');
      await sleep(1000);
      e = procs.start('edge-restarted', edgeArgs(edge, edgeConfig));
      await waitFor(() => drained(edge.port, 1000).catch(() => undefined), 20_000, 'the restarted edge streaming');
      const afterEdgeKill = await agree(edge.port, hub.port, started);

      // Then the hub dies, possibly with batches committed and not yet acknowledged.
      await sleep(1000 + Math.random() * 2500);
      await h.stop('SIGKILL');
      await sleep(2000);
      h = procs.start('hub-restarted', hubArgs(hub, hubConfig));
      await waitFor(() => drained(edge.port, 1000).catch(() => undefined), 20_000, 'the edge streaming to the restarted hub');
      const afterHubKill = await agree(edge.port, hub.port, started);
      expect(afterHubKill).toBeGreaterThan(afterEdgeKill);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${procs.logs()}`, { cause: err });
    }
  }, 60_000);
});
