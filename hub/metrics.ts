/**
 * The hub's own metrics, exposed at `/metrics` in Prometheus format: prom-client's process and
 * Node.js metrics plus the storage's sizes, read when scraped.
 */
import { Registry, collectDefaultMetrics, Counter, Gauge } from 'prom-client';
import type { MemStorage } from '../shared/storage/mem/index.ts';

/** hubRegistry builds a registry for one hub process reading from `storage`. */
export function hubRegistry(storage: MemStorage, version: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'outpost_build_info',
    help: 'A metric with a constant 1 value labelled by the version of Outpost and of Node.js.',
    labelNames: ['version', 'nodeversion'],
    registers: [registry],
  }).set({ version, nodeversion: process.version }, 1);
  const stat = (name: string, help: string, read: (s: ReturnType<MemStorage['stats']>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(storage.stats()));
      },
    });
  stat('outpost_head_series', 'Series in the head.', (s) => s.series);
  let counted = 0;
  const appended = new Counter({
    name: 'outpost_head_samples_appended_total',
    help: 'Samples appended to the head.',
    registers: [registry],
    collect() {
      appended.inc(storage.samplesAppended - counted);
      counted = storage.samplesAppended;
    },
  });
  stat('outpost_head_chunks', 'Chunks in the head, open and closed.', (s) => s.core.chunks);
  stat('outpost_head_chunk_bytes', 'Bytes of chunk data in the head.', (s) => s.core.chunkBytes);
  stat('outpost_wasm_memory_bytes', 'Size of the WebAssembly memory of the storage core.', (s) => s.core.memoryBytes);
  stat('outpost_index_postings_bytes', 'Bytes held by the label index postings.', (s) => s.index.postingsBytes);
  return registry;
}
