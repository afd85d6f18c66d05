/**
 * The PromQL kernels' throughput: the instant selector (5 m lookback), rate[5m] and
 * avg_over_time[5m] over 15 s samples at 60 s steps, for 10k series × 1 h and 10k series × 24 h
 * (the latter as ten batches of 1k series, one kernel call each), in input samples per second:
 * the WebAssembly kernel call alone, the call through BatchKernels including the copy-out into a
 * StepMatrix, and the TypeScript reference of test/core-wasm/kernels-reference.ts (on a slice of
 * the series: it is slow). Medians of several runs; nothing is asserted.
 */
import { Core, loadCore, type CoreBatch } from '../../core-wasm/host/index.ts';
import { instantiateCore, type RawCore } from '../../core-wasm/host/exports.ts';
import type { StepGrid } from '../../shared/storage/interface.ts';
import { refInstant, refRange, type RefSeries } from '../core-wasm/kernels-reference.ts';

const T0 = 1_700_000_000_000;
const SCRAPE = 15_000;
const STEP = 60_000;
const WINDOW = 300_000;
const RUNS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeIt(runs: number, f: () => void): number {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** columns: `series` counters of `perSeries` samples every 15 s with a reset now and then. */
function columns(series: number, perSeries: number, seed: number): { offsets: Int32Array; ts: Float64Array; vs: Float64Array } {
  const offsets = new Int32Array(series + 1);
  const ts = new Float64Array(series * perSeries);
  const vs = new Float64Array(series * perSeries);
  let x = seed;
  for (let s = 0; s < series; s++) {
    offsets[s + 1] = (s + 1) * perSeries;
    let v = s;
    for (let i = 0; i < perSeries; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      v = x % 1000 === 0 ? 0 : v + (x % 97);
      ts[s * perSeries + i] = T0 + i * SCRAPE + (s % 15) * 1000;
      vs[s * perSeries + i] = v;
    }
  }
  return { offsets, ts, vs };
}

const fmt = (samplesPerSec: number): string => `${(samplesPerSec / 1e6).toFixed(1)} M/s`;

type Kind = 'instant' | 'rate' | 'avg_over_time';

/** kernelOnly times the raw export into a preallocated output block. */
function kernelOnly(raw: RawCore, b: CoreBatch, kind: Kind, grid: StepGrid, out: number): void {
  if (kind === 'instant') {
    raw.instantKernel(b.offsetsPtr, b.timestampsPtr, b.valuesPtr, b.seriesCount, grid.start, grid.step, grid.steps, WINDOW, out);
  } else {
    raw.rangeKernel(kind === 'rate' ? 0 : 9, b.offsetsPtr, b.timestampsPtr, b.valuesPtr, b.seriesCount, grid.start, grid.step, grid.steps, WINDOW, 0, out);
  }
}

function viaKernels(b: CoreBatch, kind: Kind, grid: StepGrid): void {
  if (kind === 'instant') b.kernels.instant(grid, WINDOW);
  else b.kernels.range(kind, grid, WINDOW);
}

function viaReference(series: RefSeries[], kind: Kind, grid: StepGrid): void {
  if (kind === 'instant') refInstant(series, grid, WINDOW);
  else refRange(kind, series, grid, WINDOW);
}

export default async function run(): Promise<void> {
  loadCore(); // compiles and warms the module up
  const raw = instantiateCore();
  raw.init(0, 7_200_000, 120);
  const core = new Core(raw);
  console.log('| data | function | kernel call | with copy-out | TS reference | steps |');
  console.log('|---|---|---|---|---|---|');
  for (const { name, hours, batches, perBatch } of [
    { name: '10k series × 1 h', hours: 1, batches: 1, perBatch: 10_000 },
    { name: '10k series × 24 h (10 × 1k)', hours: 24, batches: 10, perBatch: 1_000 },
  ]) {
    const perSeries = (hours * 3_600_000) / SCRAPE;
    const grid: StepGrid = { start: T0 + STEP, step: STEP, steps: (hours * 3_600_000) / STEP };
    const cols = columns(perBatch, perSeries, 7);
    const batch = core.fromColumns(cols.offsets, cols.ts, cols.vs);
    const refSlice = Math.max(1, Math.floor(perBatch / (hours > 1 ? 50 : 10)));
    const refSeries: RefSeries[] = Array.from({ length: refSlice }, (_, s) => ({
      ts: cols.ts.subarray(s * perSeries, (s + 1) * perSeries),
      vs: cols.vs.subarray(s * perSeries, (s + 1) * perSeries),
    }));
    const samples = perBatch * perSeries * batches;
    const out = raw.alloc(perBatch * grid.steps * 17);
    for (const kind of ['instant', 'rate', 'avg_over_time'] as Kind[]) {
      // Each batch of the data set is the same shape: time one, scale by the batch count.
      const kMs = timeIt(RUNS, () => kernelOnly(raw, batch, kind, grid, out)) * batches;
      const cMs = timeIt(RUNS, () => viaKernels(batch, kind, grid)) * batches;
      const rMs = timeIt(3, () => viaReference(refSeries, kind, grid)) * (perBatch / refSlice) * batches;
      console.log(`| ${name} | ${kind} | ${fmt(samples / (kMs / 1000))} (${kMs.toFixed(0)} ms) | ${fmt(samples / (cMs / 1000))} (${cMs.toFixed(0)} ms) | ${fmt(samples / (rMs / 1000))} | ${grid.steps} |`);
    }
    raw.free(out);
    batch.release();
  }
}
