// A query stops when its client goes away: over a real socket on @hono/node-server, the request's
// AbortSignal reaches the engine and the API answers the way Prometheus does for a canceled query.
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
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
