/**
 * Selectors: reading storage for vector selectors, matrix selectors and subqueries. Each selector
 * selects its series once over the whole time range it needs (the grid shifted by `offset`,
 * widened by the lookback delta or the range), decodes them in one call, and runs ONE kernel over
 * the batch for all series and steps: `instant` for a vector selector, `range` for a function over
 * a range. A selector with `@` is read at that one time and broadcast over the grid. A subquery
 * evaluates its inner expression on its own step-aligned grid and hands the points back to
 * storage with `fromColumns` so the same range kernels run over them.
 */
import type { AtModifier, MatrixSelector, SubqueryExpr, VectorSelector } from '../ast.ts';
import type { Labels } from '../../model/labels.ts';
import type { StepMatrix } from '../../storage/interface.ts';
import { isStaleNaN } from '../../model/stale.ts';
import type { EvalContext } from './context.ts';
import { QueryExecutionError } from './errors.ts';
import { gridEnd, Rows, type Grid, type MatrixSeries } from './rows.ts';
import { batchSource, rowsStream, runKernel, selectSource, streamKernel, type RowStream, type SeriesSource } from './sources.ts';

/** Evaluates an inner expression (the evaluator, passed in to keep imports one-way). */
export type InnerEval = (expr: SubqueryExpr['expr'], grid: Grid) => Promise<Rows>;

/** QueryTimes: the query's own range, which `@ start()`, `step()` and `range()` refer to. */
export interface QueryTimes {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** atTime: the time of an `@` modifier (ms), or null when there is none. */
export function atTime(ctx: QueryTimes, at: AtModifier | null): number | null {
  if (at === null) return null;
  if (at === 'start') return ctx.start;
  if (at === 'end') return ctx.end;
  return at;
}

/** selectorGrid: the kernel grid of a selector (shifted by offset, or the one `@` time). */
function selectorGrid(g: Grid, at: number | null, offset: number): Grid {
  return at === null ? { start: g.start - offset, step: g.step || 1, steps: g.steps } : { start: at - offset, step: g.step || 1, steps: 1 };
}

/**
 * spread turns a kernel's StepMatrix into Rows over `steps` steps; a one-step matrix (an `@`
 * selector) is repeated at every step.
 */
function spread(m: StepMatrix, labels: Labels[], dropName: Uint8Array, steps: number, keepTs: boolean): Rows {
  if (m.series !== labels.length) throw new Error(`BUG: kernel returned ${m.series} series for ${labels.length}`);
  if (m.steps === steps) return new Rows(steps, labels, dropName, m.values, m.present, keepTs ? (m.timestamps ?? null) : null);
  if (m.steps !== 1) throw new Error(`BUG: kernel returned ${m.steps} steps for ${steps}`);
  const n = labels.length;
  const values = new Float64Array(n * steps);
  const present = new Uint8Array(n * steps);
  const ts = keepTs && m.timestamps ? new Float64Array(n * steps) : null;
  for (let i = 0; i < n; i++) {
    values.fill(m.values[i], i * steps, i * steps + steps);
    present.fill(m.present[i], i * steps, i * steps + steps);
    if (ts) ts.fill(m.timestamps![i], i * steps, i * steps + steps);
  }
  return new Rows(steps, labels, dropName, values, present, ts);
}

/**
 * The vector selectors whose sample times a caller reads (the argument of `timestamp()`): only
 * they keep Rows.sampleTs, a column as large as the values that other queries never look at.
 */
const sampleTimesWanted = new WeakSet<VectorSelector>();

/** keepSampleTimes asks that `vs`, when evaluated, keep the time of each value's sample. */
export function keepSampleTimes(vs: VectorSelector): void {
  sampleTimesWanted.add(vs);
}

/** vectorSource: the kernel grid of a vector selector and its selected series (null: none). */
function vectorSource(ctx: EvalContext, vs: VectorSelector, g: Grid): { kg: Grid; src: SeriesSource | null } {
  const kg = selectorGrid(g, atTime(ctx, vs.at), vs.offset);
  return { kg, src: selectSource(ctx, vs, kg.start - ctx.lookbackMs + 1, gridEnd(kg)) };
}

/** evalVectorSelector: the newest sample within the lookback delta of each step, per series. */
export async function evalVectorSelector(ctx: EvalContext, vs: VectorSelector, g: Grid): Promise<Rows> {
  const { kg, src } = vectorSource(ctx, vs, g);
  if (!src) return Rows.empty(g.steps);
  const keepTs = sampleTimesWanted.has(vs);
  const m = await runKernel(src, kg.steps, { kind: 'instant', grid: kg, lookbackMs: ctx.lookbackMs, timestamps: keepTs });
  return spread(m, src.labels, new Uint8Array(src.labels.length), g.steps, keepTs).compact();
}

/**
 * streamVectorSelector: a vector selector as a RowStream, or null when it is read at one `@`
 * time (then evalVectorSelector broadcasts it).
 */
export function streamVectorSelector(ctx: EvalContext, vs: VectorSelector, g: Grid): RowStream | null {
  if (selectorGrid(g, atTime(ctx, vs.at), vs.offset).steps !== g.steps) return null;
  const { kg, src } = vectorSource(ctx, vs, g);
  if (!src) return rowsStream(Rows.empty(g.steps));
  return {
    labels: src.labels,
    dropName: new Uint8Array(src.labels.length),
    ...streamKernel(src, g.steps, { kind: 'instant', grid: kg, lookbackMs: ctx.lookbackMs, timestamps: false }),
  };
}

/** RangeInput: the samples a range function runs over, with the grid to run it on. */
export interface RangeInput {
  labels: Labels[];
  /** dropName: per series, set when the input already asked to drop the name (subqueries). */
  dropName: Uint8Array;
  /** The samples, loaded slice by slice when a kernel runs; null when nothing was selected. */
  source: SeriesSource | null;
  /** grid: the kernel grid (shifted by offset; one step for `@`). */
  grid: Grid;
  rangeMs: number;
}

/**
 * loadRange prepares what a range function needs for `node` over `g`: the selected series, whose
 * samples in the union of the windows load when the kernel runs, or a subquery's points. The
 * caller runs the kernel through `source.run`, then calls `rangeRows`.
 */
export async function loadRange(ctx: EvalContext, node: MatrixSelector | SubqueryExpr, g: Grid, inner: InnerEval): Promise<RangeInput> {
  if (node.kind === 'MatrixSelector') {
    const vs = node.vector;
    const rangeMs = node.range;
    const offset = vs.offset;
    const kg = selectorGrid(g, atTime(ctx, vs.at), offset);
    const source = selectSource(ctx, vs, kg.start - rangeMs + 1, gridEnd(kg));
    if (!source) return { labels: [], dropName: new Uint8Array(0), source: null, grid: kg, rangeMs };
    return { labels: source.labels, dropName: new Uint8Array(source.labels.length), source, grid: kg, rangeMs };
  }
  const { rows, grid: ig, kernelGrid, rangeMs } = await evalSubqueryInner(ctx, node, g, inner);
  const kept = rows.compact();
  if (kept.count === 0) return { labels: [], dropName: new Uint8Array(0), source: null, grid: kernelGrid, rangeMs };
  const { offsets, ts, vs } = kept.columns(ig);
  const source = batchSource(ctx, kept.labels, ctx.querier.fromColumns(offsets, ts, vs));
  return { labels: kept.labels, dropName: kept.dropName, source, grid: kernelGrid, rangeMs };
}

/** nameFlags: a range function's per-series name flags: all set when it drops the name, else its input's. */
export function nameFlags(input: RangeInput, dropName: boolean): Uint8Array {
  return dropName ? new Uint8Array(input.labels.length).fill(1) : input.dropName;
}

/** rangeRows turns a range kernel's result into rows over g (broadcasting an `@` result). */
export function rangeRows(m: StepMatrix, input: RangeInput, dropName: boolean, g: Grid): Rows {
  return spread(m, input.labels, nameFlags(input, dropName), g.steps, false).compact();
}

/** subquery: the inner grid of `sq` for an outer grid, and the kernel grid over the outer steps. */
async function evalSubqueryInner(ctx: EvalContext, sq: SubqueryExpr, g: Grid, inner: InnerEval): Promise<{ rows: Rows; grid: Grid; kernelGrid: Grid; rangeMs: number }> {
  const rangeMs = sq.range;
  const offset = sq.offset;
  let step = sq.step;
  if (step === 0) step = ctx.subqueryStepMs;
  if (step <= 0) throw new QueryExecutionError(`subquery step must be positive, got ${step}ms`);
  const kernelGrid = selectorGrid(g, atTime(ctx, sq.at), offset);
  const from = kernelGrid.start - rangeMs;
  const start = Math.floor(from / step) * step + step;
  const end = gridEnd(kernelGrid);
  const steps = end < start ? 0 : Math.floor((end - start) / step) + 1;
  const grid: Grid = { start, step, steps };
  const rows = steps === 0 ? Rows.empty(0) : await inner(sq.expr, grid);
  return { rows, grid, kernelGrid, rangeMs };
}

/**
 * evalRangeLiteral: a range vector returned as the value of an instant query (`foo[5m]`, or a
 * subquery): the raw points of each series in (t - range, t], staleness markers left out.
 */
export async function evalRangeLiteral(ctx: EvalContext, node: MatrixSelector | SubqueryExpr, t: number, inner: InnerEval): Promise<MatrixSeries[]> {
  const g: Grid = { start: t, step: 1, steps: 1 };
  if (node.kind === 'SubqueryExpr') {
    const { rows, grid } = await evalSubqueryInner(ctx, node, g, inner);
    const out: MatrixSeries[] = [];
    const { offsets, ts, vs } = rows.columns(grid);
    for (let i = 0; i < rows.count; i++) {
      if (offsets[i + 1] === offsets[i]) continue;
      out.push({ labels: rows.labels[i], dropName: rows.dropName[i] === 1, ts: ts.slice(offsets[i], offsets[i + 1]), vs: vs.slice(offsets[i], offsets[i + 1]) });
    }
    return out;
  }
  const input = await loadRange(ctx, node, g, inner);
  if (!input.source) return [];
  const lo = input.grid.start - input.rangeMs;
  const hi = input.grid.start;
  const out: MatrixSeries[] = [];
  await input.source.each((batch, first) => {
    const off = batch.offsets();
    const allTs = batch.timestamps();
    const allVs = batch.values();
    for (let i = 0; i < batch.seriesCount; i++) {
      const idx: number[] = [];
      for (let k = off[i]; k < off[i + 1]; k++) {
        const t0 = allTs[k];
        if (t0 <= lo || t0 > hi || isStaleNaN(allVs[k])) continue;
        idx.push(k);
      }
      if (idx.length === 0) continue;
      const ts = new Float64Array(idx.length), vs = new Float64Array(idx.length);
      idx.forEach((k, n) => {
        ts[n] = allTs[k];
        vs[n] = allVs[k];
      });
      out.push({ labels: input.labels[first + i], dropName: false, ts, vs });
    }
  });
  return out;
}
