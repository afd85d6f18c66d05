/** Helpers of the uplink tests: a real hub (HTTP server + ingest over WebSocket) on loopback, over a durable or in-memory storage. */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Labels } from '../../../shared/model/labels.ts';
import type { Appendable, Storage } from '../../../shared/storage/interface.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import { openDB } from '../../../shared/tsdb/db/index.ts';
import { IngestServer, attachIngest, INGEST_PATH, MemAckStore, PositionAckStore, TokenAuthenticator, type WsIngest } from '../../../hub/ingest/index.ts';

export const TOKENS = new Map([
  ['edge-a', 'secret-a'],
  ['edge-b', 'secret-b'],
]);

/** TestHub: a hub listening on 127.0.0.1; stop() closes ingest, server and storage. */
export interface TestHub {
  port: number;
  url: string;
  storage: Storage;
  ingest: IngestServer;
  registry: Registry;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * startHub serves ingest on `port` (0: any) over a DB in `dir`, or an in-memory storage when dir
 * is omitted. `commits`, when given, receives the newest timestamp of every commit, in order.
 */
export async function startHub(port = 0, dir?: string, commits?: number[], tls?: { key: string; cert: string }): Promise<TestHub> {
  const storage: Storage = dir ? await openDB(dir, { outOfOrderWindowMs: 24 * 3600_000, sync: 'batch', syncIntervalMs: 5 }) : openMemStorage({ outOfOrderWindowMs: 24 * 3600_000 });
  const registry = new Registry();
  const logs: string[] = [];
  const appendable = commits ? recording(storage, commits) : storage;
  const ingest = new IngestServer({
    hubName: 'test-hub',
    storage: appendable,
    auth: new TokenAuthenticator(TOKENS),
    acks: dir ? new PositionAckStore(storage as never) : new MemAckStore(),
    registry,
    log: (m) => logs.push(m),
  });
  const server: Server = tls ? createHttpsServer(tls, (_req, res) => res.writeHead(404).end()) : createServer((_req, res) => res.writeHead(404).end());
  const ws: WsIngest = attachIngest(server, ingest, { keepaliveMs: 1000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  return {
    port: actual,
    url: `${tls ? 'wss' : 'ws'}://127.0.0.1:${actual}${INGEST_PATH}`,
    storage,
    ingest,
    registry,
    logs,
    async stop() {
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await storage.close();
    },
  };
}

/** ingestedSamples reads the hub's outpost_ingest_samples_total for `edge`. */
export async function ingestedSamples(hub: TestHub, edge: string): Promise<number> {
  const m = await hub.registry.getSingleMetric('outpost_ingest_samples_total')!.get();
  return m.values.find((v) => v.labels.edge === edge)?.value ?? 0;
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export const seriesOf = (n: number, job = 'uplink') => Array.from({ length: n }, (_, i) => Labels.from({ __name__: `m_${i % 5}`, i: String(i), job }));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** until polls `check` every 10 ms for at most `ms`, returning whether it became true. */
export async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(10);
  }
  return check();
}

/** recording wraps a storage's appenders so that each commit reports its newest timestamp. */
function recording(storage: Storage, commits: number[]): Appendable {
  return {
    appender() {
      const app = storage.appender();
      let newest = -Infinity;
      return {
        append(ref, labels, t, v) {
          if (t > newest) newest = t;
          return app.append(ref, labels, t, v);
        },
        commit() {
          commits.push(newest);
          return app.commit();
        },
        rollback: () => app.rollback(),
      };
    },
  };
}
