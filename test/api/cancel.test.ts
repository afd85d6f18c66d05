// A query stops when its client goes away: over a real socket on @hono/node-server, the request's
// AbortSignal reaches the engine and the API answers the way Prometheus does for a canceled query;
// a running evaluation notices between two slices of series.
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { Labels } from '../../shared/model/labels.ts';
import { Engine, type QueryOptions, type QueryResult } from '../../shared/promql/engine/index.ts';
import type { Queryable } from '../../shared/storage/interface.ts';
import type { Expr } from '../../shared/promql/ast.ts';
import { serve, type Server } from '../../shared/api/serve.ts';
import { hubApp } from '../../hub/app.ts';
import { hubRegistry } from '../../hub/metrics.ts';
import { hubStatus } from '../../hub/status.ts';

/** SlowEngine: holds each query until its signal aborts (or 5 s pass), then runs it. */
class SlowEngine extends Engine {
  aborted: Array<boolean> = [];
  override async instantQuery(q: Queryable, query: string | Expr, t: number, opts: QueryOptions = {}): Promise<QueryResult> {
    const signal = opts.signal!;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    this.aborted.push(signal.aborted);
    return super.instantQuery(q, query, t, opts);
  }
}

const storage = openMemStorage();
const engine = new SlowEngine();
let server: Server | undefined;
afterAll(async () => {
  await server?.close();
  await storage.close();
});

describe('client disconnect', () => {
  it('aborts the query the client left', async () => {
    server = await serve(hubApp({ storage, engine, registry: hubRegistry(storage, 't'), version: 't', status: hubStatus({ storage, flags: new Map(), config: () => ({ yaml: '', loadedAt: new Date(), lastReloadOk: true }) }) }), { host: '127.0.0.1', port: 0 });
    const started = Date.now();
    const req = request({ host: '127.0.0.1', port: server.port, path: '/api/v1/query?query=up' });
    req.on('error', () => {});
    req.end();
    await new Promise((r) => setTimeout(r, 200));
    req.destroy();
    for (let i = 0; i < 50 && engine.aborted.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(engine.aborted).toEqual([true]);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('client disconnect during evaluation', () => {
  it('stops a running query between slices once its client goes away, and serves others meanwhile', async () => {
    const data = openMemStorage();
    const app = data.appender();
    const t0 = 1_700_000_000_000;
    for (let s = 0; s < 400; s++) {
      const labels = Labels.from({ __name__: 'busy', i: String(s) });
      let ref = 0;
      for (let k = 0; k < 240; k++) ref = app.append(ref, labels, t0 + k * 15_000, k);
    }
    app.commit();
    // Count the slices the engine loads: one series per slice, so 400 for the whole query.
    let loads = 0;
    const counting: Queryable = {
      querier(mint, maxt) {
        const q = data.querier(mint, maxt);
        return {
          select: (m, h) => {
            const set = q.select(m, h);
            return { series: set.series, load: (...a) => (loads++, set.load(...a)) };
          },
          labelNames: (m) => q.labelNames(m),
          labelValues: (n, m) => q.labelValues(n, m),
          fromColumns: (o, t, v) => q.fromColumns(o, t, v),
          sumRows: (r, row, n, steps, g, cells) => q.sumRows(r, row, n, steps, g, cells),
          close: () => q.close(),
        };
      },
    };
    const slow = new Engine({ sliceSamples: 1 });
    const srv = await serve(hubApp({ storage: counting as never, engine: slow, registry: hubRegistry(data, 't'), version: 't', status: hubStatus({ storage: data, flags: new Map(), config: () => ({ yaml: '', loadedAt: new Date(), lastReloadOk: true }) }) }), { host: '127.0.0.1', port: 0 });
    try {
      // A range query of 400 slices, each pausing for the event loop: the client leaves after the first few.
      const path = `/api/v1/query_range?query=${encodeURIComponent('sum(rate(busy[5m]))')}&start=${t0 / 1000}&end=${t0 / 1000 + 3600}&step=1`;
      const req = request({ host: '127.0.0.1', port: srv.port, path });
      req.on('error', () => {});
      req.end();
      for (let i = 0; i < 200 && loads < 5; i++) await new Promise((r) => setTimeout(r, 5));
      expect(loads).toBeGreaterThanOrEqual(5);
      // Meanwhile the server answers another request.
      const other = await fetch(`http://127.0.0.1:${srv.port}/-/ready`);
      expect(other.status).toBe(200);
      req.destroy();
      await new Promise((r) => setTimeout(r, 300));
      const stopped = loads;
      await new Promise((r) => setTimeout(r, 300));
      expect(loads).toBe(stopped); // no more slices once canceled
      expect(stopped).toBeLessThan(400);
    } finally {
      await srv.close();
      await data.close();
    }
  });
});
