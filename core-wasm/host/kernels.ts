/**
 * CoreKernels: PromQL's instant selector and range functions over a CoreBatch's columns, one
 * WebAssembly call per selector or function for every series and step (docs/kernels.md). It
 * satisfies BatchKernels of shared/storage/interface.ts structurally (this folder imports nothing
 * of ours), so the types below repeat that contract. Results are copied out of WebAssembly
 * memory once per call, into arrays the caller owns that outlive the batch (new ones, or rows of
 * a matrix the caller passes, so that the slices of a selection fill one result).
 */
import type { RawCore } from './exports.ts';
import type { ArgBlock, MemoryViews } from './memory.ts';
import { sumRowsIn, type SumCells } from './fold.ts';
import { CoreInputError } from './errors.ts';

/**
 * RANGE_FUNCTIONS: the functions `range` evaluates; a function's index is its kernel id
 * (core-wasm/assembly/kernels/functions.ts).
 */
export const RANGE_FUNCTIONS = [
  'rate', 'increase', 'delta', 'irate', 'idelta', 'resets', 'changes', 'deriv', 'predict_linear',
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time',
  'quantile_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'first_over_time',
  'present_over_time', 'mad_over_time', 'ts_of_min_over_time', 'ts_of_max_over_time',
  'ts_of_last_over_time', 'ts_of_first_over_time', 'double_exponential_smoothing',
] as const;

/** RangeFunction: a name of RANGE_FUNCTIONS. */
export type RangeFunction = (typeof RANGE_FUNCTIONS)[number];

/** How many parameter columns each function takes (PromQL order), by name. */
const PARAMS: Partial<Record<RangeFunction, readonly string[]>> = {
  quantile_over_time: ['q'],
  predict_linear: ['t'],
  double_exponential_smoothing: ['sf', 'tf'],
};

/** StepGrid: evaluation times start, start + step, … (steps of them), Unix ms. */
export interface StepGrid {
  start: number;
  step: number;
  steps: number;
}

/** StepMatrix: series × steps cells, row-major (series i, step j at i·steps + j); see the interface. */
export interface StepMatrix {
  series: number;
  steps: number;
  values: Float64Array;
  present: Uint8Array;
  timestamps?: Float64Array;
}

/**
 * MatrixSlot: where a kernel writes its result instead of new arrays — rows [row, row + series)
 * of `matrix`, which has the call's steps. Instant writes timestamps only if the matrix has them.
 */
export interface MatrixSlot {
  matrix: StepMatrix;
  row: number;
  /** presentOnly: write only `present` (the caller reads no values or times). */
  presentOnly?: boolean;
  /**
   * sum: fold the rows into running sums where they are, in the core, instead of writing them
   * into `matrix` (see RowSum).
   */
  sum?: RowSum;
}

/**
 * RowSum: a kernel's rows folded into running sums as Core.sumRows folds them, without leaving
 * the core: `groupOf(present)` gets the rows' present flags (a view valid only during the call)
 * and returns each row's group (−1: skipped); `cells()` then gives the sums (asked after
 * groupOf, which may grow them). `folded` is set to the present cells folded.
 */
export interface RowSum {
  groupOf(present: Uint8Array): Int32Array;
  cells(): SumCells;
  folded?: number;
}

/** The columns a kernel call reads; `check` throws when the batch was released. */
export interface KernelColumns {
  readonly seriesCount: number;
  readonly offsetsPtr: number;
  readonly timestampsPtr: number;
  readonly valuesPtr: number;
  check(): void;
}

/**
 * KernelParamError: a function argument PromQL refuses at evaluation time, reported by the
 * kernel: double_exponential_smoothing's smoothing factor (`sf`) or trend factor (`tf`) outside
 * (0, 1) at a step where a series has samples. The message is Prometheus'.
 */
export class KernelParamError extends Error {
  constructor(
    message: string,
    readonly fn: RangeFunction,
    readonly parameter: string,
    /** The step of the grid whose parameter was refused. */
    readonly step: number,
    readonly value: number,
  ) {
    super(message);
    this.name = 'KernelParamError';
  }
}

/** Kernel error codes of core-wasm/assembly/kernels/range.ts. */
const ERR_BAD_SMOOTHING_FACTOR = 20;
const ERR_BAD_TREND_FACTOR = 21;
/** Largest output one call may produce; beyond, callers split the batch or the grid. */
const MAX_OUTPUT_BYTES = 1 << 30;

/** CoreKernels: see the module comment. Not safe for interleaved use with other calls on the Core. */
export class CoreKernels {
  #raw: RawCore;
  #views: MemoryViews;
  #sums: ArgBlock;
  #cols: KernelColumns;

  constructor(raw: RawCore, views: MemoryViews, sums: ArgBlock, cols: KernelColumns) {
    this.#raw = raw;
    this.#views = views;
    this.#sums = sums;
    this.#cols = cols;
  }

  /**
   * instant: for each series and step t, the newest sample in (t - lookbackMs, t], absent when
   * there is none or it is a staleness marker; `timestamps` holds that sample's time.
   */
  instant(grid: StepGrid, lookbackMs: number, into?: MatrixSlot): StepMatrix {
    this.#cols.check();
    checkGrid('instant', grid);
    checkWidth('instant', 'lookbackMs', lookbackMs);
    const series = this.#cols.seriesCount;
    const cells = series * grid.steps;
    const m = into ? checkSlot('instant', into, series, grid.steps) : newMatrix(series, grid.steps, true);
    if (cells === 0) return m;
    checkSize('instant', cells * 17);
    const c = this.#cols;
    const out = this.#raw.alloc(cells * 17);
    try {
      this.#raw.instantKernel(c.offsetsPtr, c.timestampsPtr, c.valuesPtr, series, grid.start, grid.step, grid.steps, lookbackMs, out);
      if (into?.sum) {
        this.#sum(into.sum, out, out + cells * 16, series, grid.steps);
        return m;
      }
      const v = this.#views.refresh();
      const at = out >>> 3, to = (into?.row ?? 0) * grid.steps;
      if (!into?.presentOnly) {
        m.values.set(v.f64.subarray(at, at + cells), to);
        m.timestamps?.set(v.f64.subarray(at + cells, at + 2 * cells), to);
      }
      m.present.set(v.u8.subarray(out + cells * 16, out + cells * 17), to);
      return m;
    } finally {
      this.#raw.free(out);
    }
  }

  /**
   * range: `fn` over the samples in (t - rangeMs, t] of each series at each step, staleness
   * markers excluded, absent where the function has no value. `params` holds one column of at
   * least `steps` values per scalar argument, in PromQL order. Bad arguments throw
   * CoreInputError; a parameter PromQL refuses at evaluation throws KernelParamError.
   */
  range(fn: RangeFunction, grid: StepGrid, rangeMs: number, params: readonly Float64Array[] = [], into?: MatrixSlot): StepMatrix {
    this.#cols.check();
    const id = RANGE_FUNCTIONS.indexOf(fn);
    if (id < 0) throw new CoreInputError(`range: unknown function ${JSON.stringify(fn)}`, 'fn', -1);
    checkGrid(fn, grid);
    checkWidth(fn, 'rangeMs', rangeMs);
    const names = PARAMS[fn] ?? [];
    if (params.length !== names.length) {
      throw new CoreInputError(`${fn}: takes ${names.length} parameter column(s) (${names.join(', ') || 'none'}), got ${params.length}`, 'params', -1);
    }
    params.forEach((p, k) => {
      if (p.length < grid.steps) throw new CoreInputError(`${fn}: parameter ${names[k]} has ${p.length} values for ${grid.steps} steps`, 'params', k);
    });
    const series = this.#cols.seriesCount;
    const cells = series * grid.steps;
    const m = into ? checkSlot(fn, into, series, grid.steps) : newMatrix(series, grid.steps, false);
    if (cells === 0) return m;
    const outBytes = cells * 9;
    const paramBytes = names.length * grid.steps * 8;
    checkSize(fn, outBytes + paramBytes);
    const block = this.#raw.alloc(paramBytes + outBytes + 8);
    try {
      const paramsPtr = block;
      const out = block + paramBytes;
      const v = this.#views.refresh();
      params.forEach((p, k) => v.f64.set(p.subarray(0, grid.steps), (paramsPtr >>> 3) + k * grid.steps));
      const c = this.#cols;
      const status = this.#raw.rangeKernel(id, c.offsetsPtr, c.timestampsPtr, c.valuesPtr, series, grid.start, grid.step, grid.steps, rangeMs, paramsPtr, out);
      if (status !== 0) throw this.#paramError(fn, params);
      if (into?.sum) {
        this.#sum(into.sum, out, out + cells * 8, series, grid.steps);
        return m;
      }
      const w = this.#views.refresh();
      const to = (into?.row ?? 0) * grid.steps;
      if (!into?.presentOnly) m.values.set(w.f64.subarray(out >>> 3, (out >>> 3) + cells), to);
      m.present.set(w.u8.subarray(out + cells * 8, out + cells * 9), to);
      return m;
    } finally {
      this.#raw.free(block);
    }
  }

  /** #sum folds the output rows at valuesAt/presentAt (series × steps cells) into `sum`. */
  #sum(sum: RowSum, valuesAt: number, presentAt: number, series: number, steps: number): void {
    const groupOf = sum.groupOf(this.#views.refresh().u8.subarray(presentAt, presentAt + series * steps));
    sum.folded = sumRowsIn(this.#raw, this.#views, this.#sums, valuesAt, presentAt, series, steps, groupOf, sum.cells());
  }

  #paramError(fn: RangeFunction, params: readonly Float64Array[]): Error {
    const code = this.#raw.lastErrorCode();
    const step = this.#raw.lastErrorIndex();
    if (code === ERR_BAD_SMOOTHING_FACTOR) {
      const sf = params[0][step];
      return new KernelParamError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf}`, fn, 'sf', step, sf);
    }
    if (code === ERR_BAD_TREND_FACTOR) {
      const tf = params[1][step];
      return new KernelParamError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf}`, fn, 'tf', step, tf);
    }
    return new Error(`BUG: rangeKernel(${fn}) failed with code ${code} at ${step}`);
  }
}

/** newMatrix: a zeroed result of series × steps cells, with a timestamp column if asked. */
function newMatrix(series: number, steps: number, withTimestamps: boolean): StepMatrix {
  const cells = series * steps;
  const m: StepMatrix = { series, steps, values: new Float64Array(cells), present: new Uint8Array(cells) };
  if (withTimestamps) m.timestamps = new Float64Array(cells);
  return m;
}

/** checkSlot returns the slot's matrix once it is sure `series` rows of `steps` fit at its row. */
function checkSlot(call: string, into: MatrixSlot, series: number, steps: number): StepMatrix {
  const m = into.matrix;
  if (m.steps !== steps || !Number.isInteger(into.row) || into.row < 0 || into.row + series > m.series) {
    throw new CoreInputError(`${call}: ${series} series × ${steps} steps do not fit at row ${into.row} of a ${m.series} × ${m.steps} matrix`, 'into', -1);
  }
  return m;
}

function checkGrid(call: string, grid: StepGrid): void {
  const { start, step, steps } = grid;
  if (!Number.isInteger(steps) || steps < 0 || steps > 0x7fffffff) {
    throw new CoreInputError(`${call}: grid.steps must be an integer ≥ 0, got ${steps}`, 'grid', -1);
  }
  if (!Number.isFinite(start)) throw new CoreInputError(`${call}: grid.start must be a finite time in ms, got ${start}`, 'grid', -1);
  if (!Number.isFinite(step) || step < 0 || (steps > 1 && step === 0)) {
    throw new CoreInputError(`${call}: grid.step must be finite and > 0 (or anything with one step), got ${step}`, 'grid', -1);
  }
}

function checkWidth(call: string, name: string, ms: number): void {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new CoreInputError(`${call}: ${name} must be a finite duration > 0 ms, got ${ms}`, name, -1);
}

function checkSize(call: string, bytes: number): void {
  if (bytes > MAX_OUTPUT_BYTES) {
    throw new CoreInputError(`${call}: the result needs ${bytes} bytes, more than one call may produce (1 GiB); split the series or the steps`, 'grid', -1);
  }
}
