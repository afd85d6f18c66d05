/**
 * The edge's local HTTP app: health and readiness, `POST /-/reload`, its own `/metrics`, and the
 * parts of the Prometheus API an edge answers by itself — series metadata and PromQL queries over
 * its storage, its targets from the scrape manager, and `/api/v1/uplink` (the stream to the hub).
 * Errors become Prometheus' error JSON.
 */
import { Hono, type Context } from 'hono';
import type { Registry } from 'prom-client';
import { compressAccepted } from '../shared/api/compress.ts';
import type { Queryable } from '../shared/storage/interface.ts';
import { ApiError, failure, success } from '../shared/api/respond.ts';
import { queryRoutes } from '../shared/api/query-routes.ts';
import { rulesRoutes, type RulesProvider } from '../shared/api/rules-routes.ts';
import { Engine } from '../shared/promql/engine/index.ts';
import type { UplinkStatus } from './uplink/index.ts';
import { seriesRoutes } from '../shared/api/series-routes.ts';
import { targetsRoutes, type TargetsProvider } from '../shared/api/targets-routes.ts';

/** EdgeAppOptions: what the routes read, and how a reload is done. */
export interface EdgeAppOptions {
  storage: Queryable;
  targets: TargetsProvider;
  /** reload re-reads the configuration; it rejects with the reason the new one was refused. */
  reload: () => Promise<void>;
  /** The address the edge listens on (for the targets' globalUrl). */
  listenAddress: string;
  /** Served on /metrics when given. */
  registry?: Registry;
  /** The uplink, for /api/v1/uplink; the endpoint answers 404 when absent. */
  uplink?: { status(): UplinkStatus; readonly url: string };
  /** The PromQL engine of /api/v1/query and query_range; a default one when absent. */
  engine?: Engine;
  /** The edge's rules, for /api/v1/rules, /alerts and /alertmanagers; none when absent. */
  rules?: RulesProvider;
}

/** edgeApp wires the routes. */
export function edgeApp(opts: EdgeAppOptions): Hono {
  const app = new Hono();
  app.use(compressAccepted());
  app.get('/-/healthy', (c) => c.text('Outpost edge is Healthy.\n'));
  app.get('/-/ready', (c) => c.text('Outpost edge is Ready.\n'));
  const reload = async (c: Context) => {
    try {
      await opts.reload();
      return c.text('');
    } catch (err) {
      return c.text(`failed to reload config: ${(err as Error).message}\n`, 500);
    }
  };
  app.post('/-/reload', reload);
  app.put('/-/reload', reload);
  const registry = opts.registry;
  if (registry) app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));
  const uplink = opts.uplink;
  if (uplink) app.get('/api/v1/uplink', (c) => success(c, { url: uplink.url, ...uplink.status() }));
  seriesRoutes(app, opts.storage);
  queryRoutes(app, opts.storage, opts.engine ?? new Engine());
  targetsRoutes(app, opts.targets, { listenAddress: opts.listenAddress });
  if (opts.rules) rulesRoutes(app, opts.rules);
  app.notFound((c) => (c.req.path.startsWith('/api/') ? failure(c, 'not_found', `unknown API endpoint ${c.req.path}`) : c.text('404 page not found\n', 404)));
  app.onError((err, c) => {
    if (err instanceof ApiError) return failure(c, err.errorType, err.message);
    console.error(`edge: ${c.req.method} ${c.req.path}: ${err.stack ?? err}`);
    return failure(c, 'internal', err.message);
  });
  return app;
}
