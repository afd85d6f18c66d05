/** Test helpers for edge suites: small HTTP servers on loopback, config parsing, storage reads, waiting. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig, type Config } from '../../shared/config/index.ts';
import { Matcher } from '../../shared/model/matcher.ts';
import { isStaleNaN } from '../../shared/model/stale.ts';
import type { Queryable } from '../../shared/storage/interface.ts';

/** TestServer: a listening loopback server; close() ends it and its connections. */
export interface TestServer {
  port: number;
  address: string;
  close(): Promise<void>;
}

/** listen serves `handler` on 127.0.0.1 at a free port. */
export function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  return listenOn(createServer(handler));
}

/** listenOn starts an already built server (http or https) on 127.0.0.1 at a free port. */
export function listenOn(server: Server): Promise<TestServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        address: `127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** config parses YAML config text (relative paths against `dir`). */
export function config(yaml: string, dir = '/tmp'): Config {
  return parseConfig(yaml, `${dir}/test.yml`, { dir });
}

/** Point: a stored sample; stale markers read as 'stale'. */
export type Point = [number, number | 'stale'];

/** series reads every series matching `name` with its points, keyed by its label text. */
export function series(storage: Queryable, name: string, extra: Matcher[] = []): Map<string, Point[]> {
  const q = storage.querier(-Infinity, Infinity);
  try {
    const set = q.select([new Matcher('=', '__name__', name), ...extra]);
    const batch = set.load();
    const off = batch.offsets(), ts = batch.timestamps(), vs = batch.values();
    const out = new Map<string, Point[]>();
    set.series.forEach((s, i) => {
      const points: Point[] = [];
      for (let j = off[i]; j < off[i + 1]; j++) points.push([ts[j], isStaleNaN(vs[j]) ? 'stale' : vs[j]]);
      out.set(s.labels.toString(), points);
    });
    batch.release();
    return out;
  } finally {
    q.close();
  }
}

/** allSeries lists the label text of every stored series. */
export function allSeries(storage: Queryable): string[] {
  const q = storage.querier(-Infinity, Infinity);
  try {
    return q.select([new Matcher('=~', '__name__', '.+')]).series.map((s) => s.labels.toString());
  } finally {
    q.close();
  }
}

/** waitFor polls `check` every 20 ms until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
