/**
 * The hub's HTTP app: health and readiness, its own `/metrics`, `/federate`, `/-/reload`, and
 * every endpoint of the Prometheus HTTP API that Outpost serves, over its storage and the
 * providers the composition root passes (targets, rules, status, the edges of `/api/v1/edges`). Requests pass the web config's
 * authentication first when one is given. Errors become Prometheus' error JSON; nothing a client
 * sends can take the process down.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { Registry } from 'prom-client';
import { Labels } from '../shared/model/labels.ts';
import type { Queryable } from '../shared/storage/interface.ts';
import { ApiError, failure, success } from '../shared/api/respond.ts';
import { compressAccepted } from '../shared/api/compress.ts';
import { seriesRoutes } from '../shared/api/series-routes.ts';
import { queryRoutes } from '../shared/api/query-routes.ts';
import { queryAuxRoutes } from '../shared/api/query-aux-routes.ts';
import { statusRoutes, type StatusProvider } from '../shared/api/status-routes.ts';
import { rulesRoutes, type RulesProvider } from '../shared/api/rules-routes.ts';
import { targetsRoutes, type TargetsProvider } from '../shared/api/targets-routes.ts';
import { metadataRoutes, NO_TARGETS } from '../shared/api/metadata-routes.ts';
import { federateRoute } from '../shared/api/federate.ts';
import { Notifications, serverRoutes, type WalReplayStatus } from '../shared/api/server-routes.ts';
import { adminRoutes, type AdminOptions } from '../shared/api/admin-routes.ts';
import { features } from '../shared/api/features.ts';
import { edgesRoutes, type EdgesProvider } from '../shared/api/edges-routes.ts';
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
  /** The scrape side: targets, their metadata, the scrape pools; none when absent. */
  targets?: TargetsProvider;
  /** The external labels in force (read per request); none when absent. */
  externalLabels?: () => Labels;
  /** Reloads the configuration (`/-/reload`); the endpoint answers 403 when absent. */
  reload?: () => Promise<void>;
  /** WAL replay progress of the storage; zeros when absent (storage without a WAL). */
  walReplay?: () => WalReplayStatus;
  /** Server notices; a fresh set when absent. */
  notifications?: Notifications;
  /** Authentication of every request (webConfigAuth of shared/api/web-config.ts); none when absent. */
  auth?: MiddlewareHandler;
  /** `--web.listen-address` and `--web.external-url`, for the targets' globalUrl. */
  listenAddress?: string;
  externalUrl?: string;
  /** Service discovery mechanisms the hub's scraper runs, for /api/v1/features. */
  serviceDiscovery?: readonly string[];
  /** The edges streaming to the hub, for /api/v1/edges; an empty list when absent. */
  edges?: EdgesProvider;
  /** The admin API (`/api/v1/admin/tsdb/snapshot`); answered "admin APIs disabled" when absent. */
  admin?: AdminOptions;
}

const NO_RULES: RulesProvider = { groups: () => [], alerts: () => [], alertmanagers: () => [] };

/** hubApp wires the routes. */
export function hubApp(o: HubAppOptions): Hono {
  const { storage, registry, version, engine = new Engine(), status, rules = NO_RULES, targets = NO_TARGETS } = o;
  const notifications = o.notifications ?? new Notifications();
  const app = new Hono();
  if (o.auth) app.use(o.auth);
  app.use(compressAccepted());
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
  queryAuxRoutes(app);
  targetsRoutes(app, targets, { listenAddress: o.listenAddress, externalUrl: o.externalUrl });
  metadataRoutes(app, targets);
  edgesRoutes(app, o.edges ?? { edges: () => [] });
  federateRoute(app, { storage, externalLabels: o.externalLabels ?? (() => Labels.EMPTY), lookbackDeltaMs: engine.lookbackDeltaMs });
  adminRoutes(app, o.admin ?? { enabled: false, snapshot: () => Promise.reject(new Error('BUG: snapshot with the admin API disabled')) });
  const facts = { admin: o.admin?.enabled ?? false, lifecycle: o.reload !== undefined, serviceDiscovery: o.serviceDiscovery ?? ['static'] };
  serverRoutes(app, { reload: o.reload, walReplay: o.walReplay, notifications, features: () => features(facts) });
  app.notFound((c) => (c.req.path.startsWith('/api/') ? failure(c, 'not_found', `unknown API endpoint ${c.req.path}`) : c.text('404 page not found\n', 404)));
  app.onError((err, c) => {
    if (err instanceof ApiError) return failure(c, err.errorType, err.message);
    console.error(`hub: ${c.req.method} ${c.req.path}: ${err.stack ?? err}`);
    return failure(c, 'internal', err.message);
  });
  return app;
}
