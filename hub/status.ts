/**
 * hubStatus: the hub's answers to the status endpoints — its flags, the configuration it runs,
 * its retention, and the head's size and cardinality read from the in-memory storage.
 */
import type { StatusProvider } from '../shared/api/status-routes.ts';
import { cardinality } from '../shared/storage/index/cardinality.ts';
import type { MemStorage } from '../shared/storage/mem/index.ts';

export interface HubStatusOptions {
  storage: MemStorage;
  flags: ReadonlyMap<string, string>;
  /** The configuration in force and how its last (re)load went. */
  config: () => { yaml: string; loadedAt: Date; lastReloadOk: boolean };
}

export function hubStatus({ storage, flags, config }: HubStatusOptions): StatusProvider {
  const startTime = new Date();
  return {
    startTime,
    flags: () => Object.fromEntries(flags),
    config,
    storageRetention: () => 'in memory until restart',
    corruptionCount: () => 0,
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
