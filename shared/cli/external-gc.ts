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
 *
 * A full collection that runs while large transient buffers are still alive (a WAL checkpoint
 * reads whole 16 MiB segments) leaves the level high, and those
 * buffers, dead a moment later, never count as growth from it: the memory benchmark's edge then
 * held 32 MiB of them for good in about one run in three. So a full collection, V8's or ours,
 * that leaves external memory `growthBytes` or more above the level the last settled one left is
 * collected again at the next check, up to RECHECKS times, until the level falls back or has held
 * that long (then it is live memory and becomes the settled level).
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

/**
 * Checks that collect again after a full collection that left external memory a step higher: the
 * first may come while the transient buffers are still in use, and V8 counts the ones it frees
 * only at its next collection, so a second reading may still be high.
 */
const RECHECKS = 3;

/** startExternalGc starts the check (see the module comment) and returns the function that stops it. */
export function startExternalGc(o: ExternalGcOptions = {}): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return () => undefined;
  const growth = o.growthBytes ?? 16 << 20;
  const external = () => getHeapStatistics().external_memory;
  let baseline = external();
  /** The level the last full collection that did not leave it a step higher left. */
  let settled = baseline;
  /** Rechecks made since the level rose a step; recheck: one is due at the next check. */
  let rechecks = 0;
  let recheck = false;
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some(isFullCollection)) return;
    baseline = external();
    recheck = baseline - settled >= growth && rechecks < RECHECKS;
    if (recheck) rechecks++;
    else [settled, rechecks] = [baseline, 0];
  });
  observer.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    // V8 updates the figure for freed buffers at its next collection, so it may still include
    // those the last one freed: a lower reading lowers the levels.
    const now = external();
    if (now < baseline) baseline = now;
    if (now < settled) settled = now;
    if (now - settled < growth) [recheck, rechecks] = [false, 0];
    if (!recheck && now - baseline < growth) return;
    recheck = false;
    gc();
    baseline = external();
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
