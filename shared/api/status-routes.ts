/**
 * The status endpoints of the Prometheus HTTP API: `/api/v1/status/{runtimeinfo,flags,config,tsdb}`
 * (buildinfo is served by the app that knows its version). What they report comes from a
 * StatusProvider the composition root implements, so these routes know nothing of the process.
 */
import type { Hono } from 'hono';
import { hostname } from 'node:os';
import type { Stat } from '../storage/index/cardinality.ts';
import { success } from './respond.ts';
import { Params } from './params.ts';

/** HeadStats: the head's size and time range (ms). */
export interface HeadStats {
  numSeries: number;
  numLabelPairs: number;
  chunkCount: number;
  minTime: number;
  maxTime: number;
}

/** StatusProvider: what the status endpoints report. */
export interface StatusProvider {
  startTime: Date;
  /** Every command-line flag with its value, defaults included. */
  flags(): Record<string, string>;
  /** The configuration in force, as YAML, and how its last (re)load went. */
  config(): { yaml: string; loadedAt: Date; lastReloadOk: boolean };
  /** The retention in force, in Prometheus' words (`15d`, `15d or 512MiB`). */
  storageRetention(): string;
  /** Corruptions found and repaired in storage since start. */
  corruptionCount(): number;
  tsdb(limit: number): HeadStats & {
    seriesCountByMetricName: Stat[];
    labelValueCountByLabelName: Stat[];
    memoryInBytesByLabelName: Stat[];
    seriesCountByLabelValuePair: Stat[];
  };
}

/** statusRoutes registers the status endpoints. */
export function statusRoutes(app: Hono, status: StatusProvider): void {
  app.get('/api/v1/status/runtimeinfo', (c) => {
    const config = status.config();
    return success(c, {
      startTime: status.startTime.toISOString(),
      CWD: process.cwd(),
      hostname: hostname(),
      serverTime: new Date().toISOString(),
      reloadConfigSuccess: config.lastReloadOk,
      lastConfigTime: config.loadedAt.toISOString(),
      corruptionCount: status.corruptionCount(),
      // Prometheus reports Go runtime figures here; Node's nearest equivalents: active handles
      // stand in for goroutines, and the remaining Go knobs have no counterpart.
      goroutineCount: (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.().length ?? 0,
      GOMAXPROCS: 1,
      GOMEMLIMIT: 0,
      GOGC: '',
      GODEBUG: '',
      storageRetention: status.storageRetention(),
    });
  });
  app.get('/api/v1/status/flags', (c) => success(c, status.flags()));
  app.get('/api/v1/status/config', (c) => success(c, { yaml: status.config().yaml }));
  app.get('/api/v1/status/tsdb', async (c) => {
    const p = await Params.read(c);
    const { numSeries, numLabelPairs, chunkCount, minTime, maxTime, ...rest } = status.tsdb(p.nonNegativeInt('limit', 10) || 10);
    return success(c, { headStats: { numSeries, numLabelPairs, chunkCount, minTime, maxTime }, ...rest });
  });
}
