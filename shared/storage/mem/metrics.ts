/**
 * The storage metrics every Outpost process exposes at `/metrics` (hub and edge alike): build
 * info and the head's sizes. The head is walked once per scrape of `/metrics` (stats() is
 * O(series)); every gauge of that scrape reads the same walk.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MemStorage, MemStorageStats } from './mem-storage.ts';

/** A walk of the head serves every gauge collected within this many ms of it. */
const STATS_REUSE_MS = 1000;

/** registerStorageMetrics adds outpost_build_info and the head's gauges to `registry`. */
export function registerStorageMetrics(registry: Registry, storage: MemStorage, version: string): void {
  new Gauge({
    name: 'outpost_build_info',
    help: 'A metric with a constant 1 value labelled by the version of Outpost and of Node.js.',
    labelNames: ['version', 'nodeversion'],
    registers: [registry],
  }).set({ version, nodeversion: process.version }, 1);
  let last: MemStorageStats | undefined;
  let lastAt = -Infinity;
  const stats = (): MemStorageStats => {
    const now = performance.now();
    if (!last || now - lastAt > STATS_REUSE_MS) {
      last = storage.stats();
      lastAt = now;
    }
    return last;
  };
  const stat = (name: string, help: string, read: (s: MemStorageStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(stats()));
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
}
