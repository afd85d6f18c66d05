import { afterEach, describe, expect, it } from 'vitest';
import type { ActiveTargetInfo, TargetsSnapshot } from '../../../shared/api/targets-routes.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { CloseCode, FrameType, encodeRefuse, encodeWelcome, DEFAULT_LIMITS } from '../../../shared/protocol/index.ts';
import { Packr } from 'msgpackr';
import { Uplink, targetReports, type UplinkSocket } from '../../../edge/uplink/index.ts';
import { startHub, tempDir, until } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function target(health: ActiveTargetInfo['health'], o: Partial<ActiveTargetInfo> = {}): ActiveTargetInfo {
  return {
    discoveredLabels: Labels.from({ __address__: '127.0.0.1:9100', job: 'node' }),
    labels: Labels.from({ instance: '127.0.0.1:9100', job: 'node' }),
    scrapePool: 'node', scrapeUrl: 'http://127.0.0.1:9100/metrics',
    lastError: health === 'down' ? 'connection refused' : '', lastScrape: 1_700_000_000_000.4, lastScrapeDuration: 0.0031,
    health, scrapeInterval: '1m30s', scrapeTimeout: '10s', ...o,
  };
}
const snapshot = (...active: ActiveTargetInfo[]): TargetsSnapshot => ({ active, dropped: [], droppedCounts: {} });

describe('targetReports', () => {
  it('converts the scrape side snapshot and leaves out targets the hub would refuse', () => {
    const bad = target('up', { labels: Labels.from({ __tmp: 'x', job: 'node' }), scrapeUrl: 'http://b/metrics' });
    const { reports, skipped } = targetReports(snapshot(target('down'), bad));
    expect(reports).toEqual([{
      scrapePool: 'node', scrapeUrl: 'http://127.0.0.1:9100/metrics', labels: ['instance', '127.0.0.1:9100', 'job', 'node'], health: 'down',
      lastError: 'connection refused', lastScrape: 1_700_000_000_000, lastScrapeDurationUs: 3100, scrapeIntervalMs: 90_000, scrapeTimeoutMs: 10_000,
    }]);
    expect(skipped).toEqual([expect.stringMatching(/^node http:\/\/b\/metrics: .*reserved/)]);
  });
});

describe('uplink target reports', () => {
  it('reaches the hub on connect and soon after a health change; the hub marks them unknown when the edge goes', async () => {
    const hub = await startHub(0);
    const edgeDir = await tempDir('outpost-edge-');
    cleanup.push(edgeDir.remove, () => hub.stop());
    let current = snapshot(target('up'));
    // A report interval far beyond the test: only the connect and the health change send.
    const uplink = await Uplink.open({ url: hub.url, edge: 'edge-a', token: 'secret-a', externalLabels: ['site', 'a'], dir: edgeDir.dir, sync: 'never', targets: () => current, targetsIntervalMs: 3600_000, targetsCheckMs: 20, log: () => {} });
    uplink.start();
    await until(async () => hub.ingest.targets.active().length === 1, 5000);
    const [t] = hub.ingest.targets.active();
    expect(t.labels.toObject()).toEqual({ instance: '127.0.0.1:9100', job: 'node', site: 'a' });
    expect([t.health, t.scrapeInterval, t.scrapeTimeout, t.lastScrapeDuration]).toEqual(['up', '1m30s', '10s', 0.0031]);
    current = snapshot(target('down'));
    await until(async () => hub.ingest.targets.active()[0]?.health === 'down', 2000);
    expect(hub.ingest.targets.active()[0].lastError).toBe('connection refused');
    await uplink.close();
    await until(async () => hub.ingest.targets.active()[0]?.health === 'unknown', 5000);
    expect(hub.ingest.targets.active()[0].lastError).toBe('edge disconnected');
  });

  it('falls back to version 1 for a hub that refuses version 2, and then reports no targets', async () => {
    const edgeDir = await tempDir('outpost-edge-');
    cleanup.push(edgeDir.remove);
    const unpack = new Packr({ moreTypes: true, useRecords: false, mapsAsObjects: true });
    const hellos: number[] = [];
    const frames: number[] = [];
    // An "old hub" speaking version 1 only, as this code did before TARGETS.
    const dial = async (): Promise<UplinkSocket> => {
      const sock: UplinkSocket = {
        bufferedBytes: 0,
        onMessage: () => {},
        onClose: () => {},
        send(bytes) {
          const f = unpack.unpack(bytes) as unknown[];
          frames.push(f[0] as number);
          if (f[0] !== FrameType.HELLO) return;
          hellos.push(f[1] as number);
          queueMicrotask(() => {
            if (f[1] !== 1) {
              sock.onMessage(encodeRefuse({ code: CloseCode.UNSUPPORTED_VERSION, reason: 'unsupported protocol version 2; this side speaks 1', retryAfterMs: 0 }));
              sock.onClose(CloseCode.UNSUPPORTED_VERSION, '');
            } else sock.onMessage(encodeWelcome({ version: 1, hub: 'old', acked: 0, limits: DEFAULT_LIMITS }));
          });
        },
        close() {},
      };
      return sock;
    };
    const logs: string[] = [];
    const uplink = await Uplink.open({ dial, edge: 'edge-a', token: 't', dir: edgeDir.dir, sync: 'never', targets: () => snapshot(target('up')), targetsCheckMs: 10, backoff: { initialMs: 5, maxMs: 10 }, log: (m) => logs.push(m) });
    cleanup.push(() => uplink.close());
    uplink.start();
    await until(async () => uplink.status().state === 'streaming', 5000);
    await new Promise((r) => setTimeout(r, 100));
    expect(hellos).toEqual([2, 1]);
    expect(frames).not.toContain(FrameType.TARGETS);
    expect(logs.join('\n')).toMatch(/retrying with version 1, targets are not reported/);
  });
});
