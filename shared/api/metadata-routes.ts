/**
 * The scrape-side metadata endpoints of the Prometheus HTTP API: `/api/v1/metadata` (the distinct
 * TYPE/HELP/UNIT of each metric family over every scraped target, with `metric`, `limit` and
 * `limit_per_metric`) and `/api/v1/scrape_pools` (the configured scrape jobs), both read from the
 * TargetsProvider that the scrape side implements (targets-routes.ts; the edge's ScrapeManager is
 * one). Metric names are taken in sorted order where Prometheus' map order is random, so `limit`
 * keeps the first names alphabetically.
 */
import type { Context, Hono } from 'hono';
import type { TargetsProvider } from './targets-routes.ts';
import { ApiError, success } from './respond.ts';
import { Params } from './params.ts';

/** NO_TARGETS: a provider for a server that scrapes nothing. */
export const NO_TARGETS: TargetsProvider = {
  targets: () => ({ active: [], dropped: [], droppedCounts: {} }),
  targetMetadata: () => [],
};

/** intParam reads an integer parameter as Prometheus' strconv.Atoi does; `fallback` when absent. */
function intParam(p: Params, name: string, fallback: number): number {
  const raw = p.get(name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^[+-]?\d+$/.test(raw)) throw new ApiError('bad_data', `${name} must be a number`);
  return Number(raw);
}

/** scrapePools lists every pool the provider knows of, sorted: configured ones report a dropped count. */
export function scrapePools(provider: TargetsProvider): string[] {
  const snap = provider.targets();
  const names = new Set(Object.keys(snap.droppedCounts));
  for (const t of snap.active) names.add(t.scrapePool);
  for (const t of snap.dropped) names.add(t.scrapePool);
  return [...names].sort();
}

/** metadataRoutes registers /api/v1/metadata and /api/v1/scrape_pools. */
export function metadataRoutes(app: Hono, provider: TargetsProvider): void {
  const metadata = async (c: Context) => {
    const p = await Params.read(c);
    const limit = intParam(p, 'limit', -1);
    const perMetric = intParam(p, 'limit_per_metric', -1);
    const metric = p.get('metric') ?? '';
    const byName = new Map<string, Map<string, { type: string; help: string; unit: string }>>();
    for (const m of provider.targetMetadata()) {
      if (metric !== '' && m.metric !== metric) continue;
      let set = byName.get(m.metric);
      if (set && perMetric > 0 && set.size >= perMetric) continue;
      if (!set) byName.set(m.metric, (set = new Map()));
      set.set(JSON.stringify([m.type, m.help, m.unit]), { type: m.type, help: m.help, unit: m.unit });
    }
    const data: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
    let n = 0;
    for (const name of [...byName.keys()].sort()) {
      if (limit >= 0 && n >= limit) break;
      data[name] = [...byName.get(name)!.values()];
      n++;
    }
    return success(c, data);
  };
  app.get('/api/v1/metadata', metadata);

  app.get('/api/v1/scrape_pools', (c) => success(c, { scrapePools: scrapePools(provider) }));
}
