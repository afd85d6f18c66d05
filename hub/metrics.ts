/**
 * The hub's own metrics, exposed at `/metrics` in Prometheus format: prom-client's process and
 * Node.js metrics plus the storage's (shared/storage/mem/metrics.ts), read when scraped.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { KernelPool } from '../shared/promql/parallel/pool.ts';
import type { MemStorage } from '../shared/storage/mem/index.ts';
import { registerStorageMetrics } from '../shared/storage/mem/metrics.ts';

/** hubRegistry builds a registry for one hub process reading from `storage`. */
export function hubRegistry(storage: MemStorage, version: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerStorageMetrics(registry, storage, version);
  return registry;
}

/** registerQueryWorkerMetrics adds the query workers' gauges (shared/promql/parallel/pool.ts) to `registry`. */
export function registerQueryWorkerMetrics(registry: Registry, pool: KernelPool): void {
  new Gauge({
    name: 'outpost_query_workers',
    help: 'Query worker threads running now (started by long queries, stopped when idle).',
    registers: [registry],
    collect() {
      this.set(pool.running);
    },
  });
  let counted = 0;
  const slices = new Counter({
    name: 'outpost_query_worker_slices_total',
    help: 'Slices of selections that query workers decoded and evaluated.',
    registers: [registry],
    collect() {
      slices.inc(pool.completed - counted);
      counted = pool.completed;
    },
  });
}
