/**
 * hubStatus: the hub's answers to the status endpoints — its flags, the configuration it runs,
 * its retention, and the head's size and cardinality read from the head's in-memory storage.
 */
import type { StatusProvider } from '../shared/api/status-routes.ts';
import { cardinality } from '../shared/storage/index/cardinality.ts';
import type { MemStorage } from '../shared/storage/mem/index.ts';

export interface HubStatusOptions {
  storage: MemStorage;
  flags: ReadonlyMap<string, string>;
  /** The configuration in force and how its last (re)load went. */
  config: () => { yaml: string; loadedAt: Date; lastReloadOk: boolean };
  /** The retention in force, in Prometheus' words (`15d`, `15d or 512MiB`). */
  retention?: string;
  /** Corruptions repaired in storage since start. */
  corruptions?: () => number;
}

export function hubStatus({ storage, flags, config, retention = 'in memory until restart', corruptions = () => 0 }: HubStatusOptions): StatusProvider {
  const startTime = new Date();
  return {
    startTime,
    flags: () => Object.fromEntries(flags),
    config,
    storageRetention: () => retention,
    corruptionCount: corruptions,
    tsdb(limit) {
      const c = cardinality(storage.index, limit);
      const stats = storage.stats();
      const { labelPairs, ...top } = c;
      return {
        numSeries: stats.series,
        numLabelPairs: labelPairs,
        chunkCount: stats.core.chunks,
        minTime: Number.isNaN(storage.minTime) ? 0 : storage.minTime,
        maxTime: Number.isNaN(storage.maxTime) ? 0 : storage.maxTime,
        ...top,
      };
    },
  };
}
