/**
 * The hub's HTTP app: health and readiness, its own `/metrics`, build information, and the query
 * and series metadata endpoints of the Prometheus API over its storage. Errors become Prometheus'
 * error JSON; nothing a client sends can take the process down.
 */
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import type { Registry } from 'prom-client';
import type { Queryable } from '../shared/storage/interface.ts';
import { ApiError, failure, success } from '../shared/api/respond.ts';
import { seriesRoutes } from '../shared/api/series-routes.ts';
import { queryRoutes } from '../shared/api/query-routes.ts';
import { statusRoutes, type StatusProvider } from '../shared/api/status-routes.ts';
import { rulesRoutes, type RulesProvider } from '../shared/api/rules-routes.ts';
import { Engine } from '../shared/promql/engine/index.ts';

export interface HubAppOptions {
  storage: Queryable;
  registry: Registry;
  version: string;
  /** The PromQL engine; a default one when absent. */
  engine?: Engine;
  /** What the status endpoints report. */
  status: StatusProvider;
  /** The rule groups and alerts; none when absent. */
  rules?: RulesProvider;
}

/** hubApp wires the routes. */
const NO_RULES: RulesProvider = { groups: () => [], alerts: () => [], alertmanagers: () => [] };

export function hubApp({ storage, registry, version, engine = new Engine(), status, rules = NO_RULES }: HubAppOptions): Hono {
  const app = new Hono();
  app.use(compress());
  app.get('/-/healthy', (c) => c.text('Outpost is Healthy.\n'));
  app.get('/-/ready', (c) => c.text('Outpost is Ready.\n'));
  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));
  app.get('/api/v1/status/buildinfo', (c) =>
    success(c, { version, revision: '', branch: '', buildUser: '', buildDate: '', goVersion: process.version }),
  );
  statusRoutes(app, status);
  rulesRoutes(app, rules);
  seriesRoutes(app, storage);
  queryRoutes(app, storage, engine);
  app.notFound((c) => (c.req.path.startsWith('/api/') ? failure(c, 'not_found', `unknown API endpoint ${c.req.path}`) : c.text('404 page not found\n', 404)));
  app.onError((err, c) => {
    if (err instanceof ApiError) return failure(c, err.errorType, err.message);
    console.error(`hub: ${c.req.method} ${c.req.path}: ${err.stack ?? err}`);
    return failure(c, 'internal', err.message);
  });
  return app;
}
