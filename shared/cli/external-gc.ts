/**
 * startExternalGc: a full garbage collection whenever V8's external memory (ArrayBuffer backing
 * stores and WebAssembly memory) has grown by `growthBytes` since the last one.
 *
 * Why: an Outpost process keeps its large transient buffers outside the JS heap (scraped pages,
 * WAL records, wire frames, query columns) while its JS heap barely grows, since series and
 * label sets live in typed arrays and WebAssembly memory. A dead buffer's memory is freed only by
 * the garbage collection that finds its small JS object dead, and V8 starts one for external
 * memory only once it has grown 64 MiB past its level after the previous full collection. Between
 * two, up to 64 MiB of dead buffers stay resident: with 100k series, about 300-600 bytes per
 * series, as much as everything the series themselves hold (`npm run bench -- memory`).
 *
 * It needs the global gc() that node's `--expose-gc` flag installs (the `#!` line of
 * bin/outpost.js passes it); without it this does nothing. A collection the process makes by
 * itself resets the baseline too, so none is forced when V8 has just done one.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** ExternalGcOptions for startExternalGc. */
export interface ExternalGcOptions {
  /** How often external memory is read (default 5 s). */
  intervalMs?: number;
  /** Growth since the last full collection that triggers one (default 16 MiB). */
  growthBytes?: number;
}

/** startExternalGc starts the check (see the module comment) and returns the function that stops it. */
export function startExternalGc(o: ExternalGcOptions = {}): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return () => undefined;
  const growth = o.growthBytes ?? 16 << 20;
  let baseline = getHeapStatistics().external_memory;
  const observer = new PerformanceObserver((list) => {
    if (list.getEntries().some(isFullCollection)) baseline = getHeapStatistics().external_memory;
  });
  observer.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    // V8 updates the figure for freed buffers at its next collection, so it may still include
    // those the last one freed: a lower reading lowers the baseline.
    const external = getHeapStatistics().external_memory;
    if (external < baseline) baseline = external;
    if (external - baseline < growth) return;
    gc();
    baseline = getHeapStatistics().external_memory;
  }, o.intervalMs ?? 5000);
  timer.unref();
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}

/** isFullCollection: a 'gc' entry of a mark-compact (its detail.kind; Node's typings omit detail). */
function isFullCollection(e: PerformanceEntry): boolean {
  return (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
}
