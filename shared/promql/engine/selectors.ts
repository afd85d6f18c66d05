/**
 * Selectors: reading storage for vector selectors, matrix selectors and subqueries. Each selector
 * selects its series once over the whole time range it needs (the grid shifted by `offset`,
 * widened by the lookback delta or the range), decodes them in one call, and runs ONE kernel over
 * the batch for all series and steps: `instant` for a vector selector, `range` for a function over
 * a range. A selector with `@` is read at that one time and broadcast over the grid. A subquery
 * evaluates its inner expression on its own step-aligned grid and hands the points back to
 * storage with `fromColumns` so the same range kernels run over them.
 */
import type { AtModifier, DurationNode, MatrixSelector, SubqueryExpr, VectorSelector } from '../ast.ts';
import type { Labels } from '../../model/labels.ts';
import type { SampleBatch, StepMatrix } from '../../storage/interface.ts';
import { isStaleNaN } from '../../model/stale.ts';
import type { EvalContext } from './context.ts';
import { QueryExecutionError } from './errors.ts';
import { gridEnd, Rows, type Grid, type MatrixSeries } from './rows.ts';

/** Evaluates an inner expression (the evaluator, passed in to keep imports one-way). */
export type InnerEval = (expr: SubqueryExpr['expr'], grid: Grid) => Rows;

/** QueryTimes: the query's own range, which `@ start()`, `step()` and `range()` refer to. */
export interface QueryTimes {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** durationSeconds resolves a duration node (a literal or an expression over step()/range()). */
export function durationSeconds(ctx: QueryTimes, d: DurationNode): number {
  if (d.kind === 'NumberLiteral') return d.value;
  const l = d.lhs ? durationSeconds(ctx, d.lhs) : 0;
  const r = d.rhs ? durationSeconds(ctx, d.rhs) : 0;
  switch (d.op) {
    case '+': return d.lhs ? l + r : r;
    case '-': return d.lhs ? l - r : -r;
    case '*': return l * r;
    case '/': return l / r;
    case '%': return l % r;
    case '^': return Math.pow(l, r);
    case 'step': return ctx.step / 1000;
    case 'range': return (ctx.end - ctx.start) / 1000;
    case 'min_of': return Math.min(l, r);
    case 'max_of': return Math.max(l, r);
  }
}

/** durationMs: a node's fixed milliseconds, or its duration expression resolved. */
export function durationMs(ctx: QueryTimes, fixed: number, expr: DurationNode | null): number {
  return expr ? Math.round(durationSeconds(ctx, expr) * 1000) : fixed;
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

/** load selects and decodes the series of `vs` with samples in [mint, maxt]. */
function load(ctx: EvalContext, vs: VectorSelector, mint: number, maxt: number): { labels: Labels[]; batch: SampleBatch } | null {
  ctx.check('query execution');
  const set = ctx.querier.select(vs.matchers, { start: mint, end: maxt });
  if (set.series.length === 0) return null;
  const batch = set.load(mint, maxt);
  return { labels: set.series.map((s) => s.labels), batch };
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

/** evalVectorSelector: the newest sample within the lookback delta of each step, per series. */
export function evalVectorSelector(ctx: EvalContext, vs: VectorSelector, g: Grid): Rows {
  const offset = durationMs(ctx, vs.offset, vs.offsetExpr);
  const kg = selectorGrid(g, atTime(ctx, vs.at), offset);
  const maxt = gridEnd(kg);
  const mint = kg.start - ctx.lookbackMs + 1;
  const got = load(ctx, vs, mint, maxt);
  if (!got) return Rows.empty(g.steps);
  let m: StepMatrix;
  try {
    ctx.hold(got.batch.sampleCount, 'query execution');
    m = got.batch.kernels.instant(kg, ctx.lookbackMs);
  } finally {
    ctx.release(got.batch.sampleCount);
    got.batch.release();
  }
  return spread(m, got.labels, new Uint8Array(got.labels.length), g.steps, true).compact();
}

/** RangeInput: the samples a range function runs over, with the grid to run it on. */
export interface RangeInput {
  labels: Labels[];
  /** dropName: per series, set when the input already asked to drop the name (subqueries). */
  dropName: Uint8Array;
  batch: SampleBatch | null;
  /** grid: the kernel grid (shifted by offset; one step for `@`). */
  grid: Grid;
  rangeMs: number;
}

/**
 * loadRange reads what a range function needs for `node` over `g`: the selected series' samples in
 * the union of the windows, or a subquery's points. The caller runs the kernel, then calls
 * `rangeRows` and releases the batch.
 */
export function loadRange(ctx: EvalContext, node: MatrixSelector | SubqueryExpr, g: Grid, inner: InnerEval): RangeInput {
  if (node.kind === 'MatrixSelector') {
    const vs = node.vector;
    const rangeMs = durationMs(ctx, node.range, node.rangeExpr);
    const offset = durationMs(ctx, vs.offset, vs.offsetExpr);
    const kg = selectorGrid(g, atTime(ctx, vs.at), offset);
    const got = load(ctx, vs, kg.start - rangeMs + 1, gridEnd(kg));
    if (!got) return { labels: [], dropName: new Uint8Array(0), batch: null, grid: kg, rangeMs };
    return { labels: got.labels, dropName: new Uint8Array(got.labels.length), batch: got.batch, grid: kg, rangeMs };
  }
  const { rows, grid: ig, kernelGrid, rangeMs } = evalSubqueryInner(ctx, node, g, inner);
  const kept = rows.compact();
  if (kept.count === 0) return { labels: [], dropName: new Uint8Array(0), batch: null, grid: kernelGrid, rangeMs };
  const { offsets, ts, vs } = toColumns(kept, ig);
  const batch = ctx.querier.fromColumns(offsets, ts, vs);
  return { labels: kept.labels, dropName: kept.dropName, batch, grid: kernelGrid, rangeMs };
}

/** rangeRows turns a range kernel's result into rows over g (broadcasting an `@` result). */
export function rangeRows(m: StepMatrix, input: RangeInput, dropName: boolean, g: Grid): Rows {
  const flags = dropName ? new Uint8Array(input.labels.length).fill(1) : input.dropName;
  return spread(m, input.labels, flags, g.steps, false).compact();
}

/** subquery: the inner grid of `sq` for an outer grid, and the kernel grid over the outer steps. */
function evalSubqueryInner(ctx: EvalContext, sq: SubqueryExpr, g: Grid, inner: InnerEval): { rows: Rows; grid: Grid; kernelGrid: Grid; rangeMs: number } {
  const rangeMs = durationMs(ctx, sq.range, sq.rangeExpr);
  const offset = durationMs(ctx, sq.offset, sq.offsetExpr);
  let step = durationMs(ctx, sq.step, sq.stepExpr);
  if (step === 0) step = ctx.subqueryStepMs;
  if (step <= 0) throw new QueryExecutionError(`subquery step must be positive, got ${step}ms`);
  const kernelGrid = selectorGrid(g, atTime(ctx, sq.at), offset);
  const from = kernelGrid.start - rangeMs;
  const start = Math.floor(from / step) * step + step;
  const end = gridEnd(kernelGrid);
  const steps = end < start ? 0 : Math.floor((end - start) / step) + 1;
  const grid: Grid = { start, step, steps };
  const rows = steps === 0 ? Rows.empty(0) : inner(sq.expr, grid);
  return { rows, grid, kernelGrid, rangeMs };
}

/** toColumns lays rows out as sample columns: present cells only, in time order per series. */
function toColumns(rows: Rows, g: Grid): { offsets: Int32Array; ts: Float64Array; vs: Float64Array } {
  const n = rows.presentCount();
  const offsets = new Int32Array(rows.count + 1);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < rows.count; i++) {
    offsets[i] = k;
    const o = i * rows.steps;
    for (let j = 0; j < rows.steps; j++) {
      if (!rows.present[o + j]) continue;
      ts[k] = g.start + j * g.step;
      vs[k] = rows.values[o + j];
      k++;
    }
  }
  offsets[rows.count] = k;
  return { offsets, ts, vs };
}

/**
 * evalRangeLiteral: a range vector returned as the value of an instant query (`foo[5m]`, or a
 * subquery): the raw points of each series in (t - range, t], staleness markers left out.
 */
export function evalRangeLiteral(ctx: EvalContext, node: MatrixSelector | SubqueryExpr, t: number, inner: InnerEval): MatrixSeries[] {
  const g: Grid = { start: t, step: 1, steps: 1 };
  if (node.kind === 'SubqueryExpr') {
    const { rows, grid } = evalSubqueryInner(ctx, node, g, inner);
    const out: MatrixSeries[] = [];
    const { offsets, ts, vs } = toColumns(rows, grid);
    for (let i = 0; i < rows.count; i++) {
      if (offsets[i + 1] === offsets[i]) continue;
      out.push({ labels: rows.labels[i], dropName: rows.dropName[i] === 1, ts: ts.slice(offsets[i], offsets[i + 1]), vs: vs.slice(offsets[i], offsets[i + 1]) });
    }
    return out;
  }
  const input = loadRange(ctx, node, g, inner);
  if (!input.batch) return [];
  try {
    ctx.hold(input.batch.sampleCount, 'query execution');
    const off = input.batch.offsets();
    const allTs = input.batch.timestamps();
    const allVs = input.batch.values();
    const lo = input.grid.start - input.rangeMs;
    const hi = input.grid.start;
    const out: MatrixSeries[] = [];
    for (let i = 0; i < input.labels.length; i++) {
      const ts: number[] = [];
      const idx: number[] = [];
      for (let k = off[i]; k < off[i + 1]; k++) {
        const t0 = allTs[k];
        if (t0 <= lo || t0 > hi || isStaleNaN(allVs[k])) continue;
        ts.push(t0);
        idx.push(k);
      }
      if (ts.length === 0) continue;
      const vs = new Float64Array(idx.length);
      idx.forEach((k, n) => (vs[n] = allVs[k]));
      out.push({ labels: input.labels[i], dropName: false, ts: Float64Array.from(ts), vs });
    }
    return out;
  } finally {
    ctx.release(input.batch.sampleCount);
    input.batch.release();
  }
}
