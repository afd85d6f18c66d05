/**
 * The WebAssembly TSDB core as seen from TypeScript: loadCore() compiles
 * core-wasm/build/outpost.wasm (once per process) and returns a Core, a head of series addressed
 * by numeric refs that takes appends one scrape per call and decodes many series per call into
 * columns left in WebAssembly memory. This folder is the only code that touches WebAssembly.
 */
import { compileCore, instantiateCore } from './exports.ts';
import { Core } from './core.ts';
import { CoreInputError } from './errors.ts';
import { RANGE_FUNCTIONS } from './kernels.ts';

export { Core } from './core.ts';
export { adoptCompiledCore, compileCore } from './exports.ts';
export type { CoreStats, ChunkExport, ExportOptions } from './core.ts';
export { CoreBatch } from './batch.ts';
export { CoreInputError, ChunkCorruptionError } from './errors.ts';
export { CoreKernels, KernelParamError, RANGE_FUNCTIONS } from './kernels.ts';
export type { RangeFunction, StepGrid, StepMatrix } from './kernels.ts';
export type { SumCells, SumRows } from './fold.ts';

/** CoreOptions: the head's settings, fixed for the life of a Core. */
export interface CoreOptions {
  /** Samples up to this many ms older than their series' newest are kept (default 0: refused). */
  outOfOrderWindowMs?: number;
  /** Chunks never cross a multiple of this many ms (default 7_200_000, Prometheus' 2 h). */
  chunkRangeMs?: number;
  /** Target samples per chunk (default 120); a chunk is cut at twice this at the latest. */
  samplesPerChunk?: number;
}

/** AppendStatus: the per-sample results of appendScrape and appendSamples. */
export const AppendStatus = {
  /** Stored. */
  APPENDED: 0,
  /** Same timestamp and same value bits as a stored sample: accepted, nothing stored. */
  DUPLICATE: 1,
  /** Older than the series' newest sample minus the out-of-order window: refused. */
  OUT_OF_BOUNDS: 2,
  /** Same timestamp as a stored sample but another value: refused. */
  CONFLICT: 3,
} as const;

let warmedUp = false;

/**
 * loadCore synchronously creates a Core with its own memory. The first call in a process compiles
 * the module and warms its kernels up on a throwaway instance (V8 compiles hot functions
 * optimised only after they ran a while); invalid options throw CoreInputError.
 */
export function loadCore(options: CoreOptions = {}): Core {
  const window = options.outOfOrderWindowMs ?? 0;
  const range = options.chunkRangeMs ?? 7_200_000;
  const perChunk = options.samplesPerChunk ?? 120;
  if (!Number.isSafeInteger(window) || window < 0) {
    throw new CoreInputError(`loadCore: outOfOrderWindowMs must be an integer ≥ 0, got ${window}`, 'outOfOrderWindowMs', -1);
  }
  if (!Number.isSafeInteger(range) || range < 1) {
    throw new CoreInputError(`loadCore: chunkRangeMs must be an integer ≥ 1, got ${range}`, 'chunkRangeMs', -1);
  }
  if (!Number.isInteger(perChunk) || perChunk < 1 || perChunk > 32767) {
    throw new CoreInputError(`loadCore: samplesPerChunk must be an integer in 1..32767, got ${perChunk}`, 'samplesPerChunk', -1);
  }
  compileCore();
  if (!warmedUp) {
    warmUp();
    warmedUp = true;
  }
  const raw = instantiateCore();
  raw.init(window, range, perChunk);
  return new Core(raw);
}

/** warmUp runs every kernel (codec, head, PromQL) on synthetic data in a throwaway instance (code is shared per module). */
function warmUp(): void {
  const raw = instantiateCore();
  raw.init(600_000, 7_200_000, 120);
  const core = new Core(raw);
  const n = 2000;
  const first = core.newSeries(n);
  const refs = new Uint32Array(n).map((_, i) => first + i);
  const values = new Float64Array(n);
  const t0 = 1_700_000_000_000;
  for (let s = 0; s < 150; s++) {
    for (let i = 0; i < n; i++) values[i] = i % 3 === 0 ? s * 10 + i : Math.sin(s + i) * 100;
    core.appendScrape(t0 + s * 15_000, refs, values, n);
  }
  const late = new Float64Array(n).fill(t0 + 7_500);
  core.appendSamples(refs, late, values, n);
  for (let k = 0; k < 3; k++) {
    core.decode(refs, -Infinity, Infinity).release();
    core.overlapping(refs, t0, t0 + 60_000);
    const ex = core.exportChunks(refs, { includeOpen: true, includeOutOfOrder: true });
    core.decodeChunks(ex.chunks, ex.chunkOffsets, ex.seriesChunkStarts, -Infinity, Infinity).release();
  }
  // Kernels loop inside one call: two calls each on a small batch are enough to tier them up.
  const batch = core.decode(refs.subarray(0, 200), -Infinity, Infinity);
  const grid = { start: t0, step: 60_000, steps: 40 };
  const half = new Float64Array(grid.steps).fill(0.5);
  for (let k = 0; k < 2; k++) {
    batch.kernels.instant(grid, 300_000);
    for (const fn of RANGE_FUNCTIONS) {
      const params = fn === 'double_exponential_smoothing' ? [half, half] : fn === 'quantile_over_time' || fn === 'predict_linear' ? [half] : [];
      batch.kernels.range(fn, grid, 300_000, params);
    }
  }
  batch.release();
}
