/**
 * The hub's own metrics, exposed at `/metrics` in Prometheus format: prom-client's process and
 * Node.js metrics plus the storage's (shared/storage/mem/metrics.ts), read when scraped.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { MemStorage } from '../shared/storage/mem/index.ts';
import { registerStorageMetrics } from '../shared/storage/mem/metrics.ts';

/** hubRegistry builds a registry for one hub process reading from `storage`. */
export function hubRegistry(storage: MemStorage, version: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerStorageMetrics(registry, storage, version);
  return registry;
}
