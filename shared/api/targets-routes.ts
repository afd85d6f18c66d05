/**
 * The target endpoints of the Prometheus HTTP API: `/api/v1/targets` (active and dropped targets,
 * filtered by `state` and `scrapePool`) and `/api/v1/targets/metadata` (the TYPE/HELP/UNIT each
 * target exposes, filtered by `match_target`, `metric` and `limit`), over any TargetsProvider —
 * the edge's scrape manager or anything else that scrapes. Shapes follow Prometheus 3 (see
 * ../shared/conformance/http-api/openapi_3.1_golden.yaml).
 */
import { hostname } from 'node:os';
import type { Context, Hono } from 'hono';
import type { Labels } from '../model/labels.ts';
import type { Matcher } from '../model/matcher.ts';
import { ApiError, success } from './respond.ts';
import { Params } from './params.ts';
import { parseMatchers } from './series-routes.ts';

/** ActiveTargetInfo: one scraped target as its scraper sees it now. */
export interface ActiveTargetInfo {
  discoveredLabels: Labels;
  labels: Labels;
  scrapePool: string;
  scrapeUrl: string;
  lastError: string;
  /** Unix ms of the last scrape; 0 before the first. */
  lastScrape: number;
  /** Seconds the last scrape took. */
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  /** Prometheus durations, such as `15s`. */
  scrapeInterval: string;
  scrapeTimeout: string;
  /**
   * globalUrl, when set, is reported as it is: the target is scraped elsewhere (by an edge), so
   * rewriting its loopback host to this server's would point at the wrong machine.
   */
  globalUrl?: string;
}

/** DroppedTargetInfo: a target that relabeling dropped. */
export interface DroppedTargetInfo {
  discoveredLabels: Labels;
  scrapePool: string;
}

/** TargetsSnapshot: every target, and per scrape pool how many were dropped (kept or not). */
export interface TargetsSnapshot {
  active: ActiveTargetInfo[];
  dropped: DroppedTargetInfo[];
  droppedCounts: Record<string, number>;
}

/** TargetMetadataInfo: one metric family's metadata on one target. */
export interface TargetMetadataInfo {
  target: Labels;
  metric: string;
  type: string;
  help: string;
  unit: string;
}

/** TargetsProvider: what the routes read. Both calls must be cheap enough to run per request. */
export interface TargetsProvider {
  targets(): TargetsSnapshot;
  targetMetadata(): TargetMetadataInfo[];
}

/** TargetsRoutesOptions: how globalUrl is made (Prometheus' GlobalURLOptions). */
export interface TargetsRoutesOptions {
  /** The externally reachable URL of this server (default: http://<hostname>:<listen port>). */
  externalUrl?: string;
  /** The address this server listens on, `host:port`. */
  listenAddress?: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const LOCALHOST = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** targetsRoutes registers the two endpoints on `app`. */
export function targetsRoutes(app: Hono, provider: TargetsProvider, options: TargetsRoutesOptions = {}): void {
  const ownPort = options.listenAddress ? (/:(\d+)$/.exec(options.listenAddress)?.[1] ?? '') : '';
  const external = new URL(options.externalUrl ?? `http://${hostname()}${ownPort ? `:${ownPort}` : ''}`);

  app.get('/api/v1/targets', async (c: Context) => {
    const p = await Params.read(c);
    const state = (p.get('state') ?? '').toLowerCase();
    const pool = p.get('scrapePool') ?? '';
    const showActive = state === '' || state === 'any' || state === 'active';
    const showDropped = state === '' || state === 'any' || state === 'dropped';
    const snap = provider.targets();
    const inPool = (name: string) => pool === '' || name === pool;
    const byPool = <T extends { scrapePool: string; discoveredLabels: Labels }>(a: T, b: T) =>
      a.scrapePool < b.scrapePool ? -1 : a.scrapePool > b.scrapePool ? 1 : a.discoveredLabels.compare(b.discoveredLabels);
    const activeTargets = showActive
      ? snap.active.filter((t) => inPool(t.scrapePool)).sort(byPool).map((t) => ({
          discoveredLabels: t.discoveredLabels.toObject(),
          labels: t.labels.toObject(),
          scrapePool: t.scrapePool,
          scrapeUrl: t.scrapeUrl,
          globalUrl: t.globalUrl ?? globalUrl(t.scrapeUrl, external, ownPort),
          lastError: t.lastError,
          lastScrape: t.lastScrape > 0 ? new Date(t.lastScrape).toISOString() : ZERO_TIME,
          lastScrapeDuration: t.lastScrapeDuration,
          health: t.health,
          scrapeInterval: t.scrapeInterval,
          scrapeTimeout: t.scrapeTimeout,
        }))
      : [];
    const droppedTargetCounts: Record<string, number> = {};
    let droppedTargets: Array<{ discoveredLabels: Record<string, string>; scrapePool: string }> = [];
    if (showDropped) {
      for (const [name, n] of Object.entries(snap.droppedCounts).sort()) if (inPool(name)) droppedTargetCounts[name] = n;
      droppedTargets = snap.dropped
        .filter((t) => inPool(t.scrapePool))
        .sort(byPool)
        .map((t) => ({ discoveredLabels: t.discoveredLabels.toObject(), scrapePool: t.scrapePool }));
    }
    return success(c, { activeTargets, droppedTargets, droppedTargetCounts });
  });

  app.get('/api/v1/targets/metadata', async (c: Context) => {
    const p = await Params.read(c);
    const limit = p.nonNegativeInt('limit', 0);
    const metric = p.get('metric') ?? '';
    const matchTarget = p.get('match_target') ?? '';
    let matchers: Matcher[] = [];
    if (matchTarget !== '') {
      try {
        matchers = parseMatchers([matchTarget])[0];
      } catch (err) {
        if (err instanceof ApiError) throw new ApiError('bad_data', err.message.replace('"match[]"', '"match_target"'), { cause: err });
        throw err;
      }
    }
    const out: Array<Record<string, unknown>> = [];
    const targets = new Set<string>();
    for (const m of provider.targetMetadata()) {
      if (metric !== '' && m.metric !== metric) continue;
      if (!matchers.every((x) => x.matches(m.target.get(x.name)))) continue;
      const key = m.target.key();
      if (!targets.has(key)) {
        if (limit > 0 && targets.size >= limit) continue;
        targets.add(key);
      }
      // Prometheus leaves `metric` out when the request named one.
      out.push(metric === '' ? { target: m.target.toObject(), metric: m.metric, type: m.type, help: m.help, unit: m.unit } : { target: m.target.toObject(), type: m.type, help: m.help, unit: m.unit });
    }
    if (out.length === 0) throw new ApiError('not_found', 'specified metadata not found');
    return success(c, out);
  });
}

/**
 * globalUrl rewrites a scrape URL so that it is reachable from elsewhere, as Prometheus does: a
 * loopback host on this server's own port becomes the external URL's scheme and host; any other
 * loopback host gets the external host name with its own port.
 */
export function globalUrl(scrapeUrl: string, external: URL, ownPort: string): string {
  let u: URL;
  try {
    u = new URL(scrapeUrl);
  } catch {
    return scrapeUrl;
  }
  if (!LOCALHOST.has(u.hostname)) return scrapeUrl;
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  if (ownPort !== '' && port === ownPort) {
    u.protocol = external.protocol;
    u.hostname = external.hostname;
    u.port = external.port; // '' (the scheme's default) clears the target's port
  } else {
    u.hostname = external.hostname;
  }
  return u.toString();
}
