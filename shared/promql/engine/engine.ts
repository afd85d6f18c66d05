/**
 * Engine: PromQL instant and range queries over any Queryable, with Prometheus 3 semantics. A
 * query is parsed (or taken as an AST), evaluated once over its whole step grid (evaluator.ts),
 * and its result turned into the public shapes of value.ts: metric names marked for removal are
 * dropped at the end (delayed name removal), range results are ordered by labels. Limits: the
 * samples held at once, a deadline, and the caller's AbortSignal. Engines hold no per-query state
 * and are safe to share; evaluation itself is synchronous once started.
 */
import type { Expr } from '../ast.ts';
import { documentedType } from '../ast.ts';
import { Labels, METRIC_NAME } from '../../model/labels.ts';
import type { Queryable } from '../../storage/interface.ts';
import { parseExpr, type ParseOptions } from '../parser/index.ts';
import type { KernelPool } from '../parallel/pool.ts';
import { timeBounds } from './bounds.ts';
import { resolveDurations } from './durations.ts';
import { EvalContext } from './context.ts';
import { QueryCanceledError, QueryExecutionError } from './errors.ts';
import { Evaluator } from './evaluator.ts';
import { RowsBuilder, type EvalValue, type Grid, type Rows } from './rows.ts';
import type { QueryResult, QueryValue, Sample, Series } from './value.ts';

const METADATA = [METRIC_NAME, '__type__', '__unit__'];

export interface EngineOptions {
  /** lookbackDeltaMs: how far back an instant selector looks for a sample (default 5 minutes). */
  lookbackDeltaMs?: number;
  /** maxSamples: the most samples a query may hold in memory at once (default 50 million). */
  maxSamples?: number;
  /** timeoutMs: the longest a query may run (default 2 minutes). */
  timeoutMs?: number;
  /** subqueryStepMs: the step of a subquery that gives none (default 1 minute). */
  subqueryStepMs?: number;
  /**
   * sliceSamples: a selector's series are decoded and run through their kernel in slices of about
   * this many samples, bounding the memory one selector takes (default 250k, ~4 MB of columns).
   * WebAssembly memory never shrinks, so this is also about the most a query leaves the process
   * (and each query worker) holding: over the query benchmark's day, 4 million left 168 MiB of it
   * after a 24 h `count` of every series, 1 million 50 MiB, at the same latency; a hub with one
   * query worker held 336 MB of RSS after three 24 h queries at 1 million, 263 MB at 250k, again
   * at the same latency.
   */
  sliceSamples?: number;
  /** parser: feature flags for parsing query strings (default: all on, as Prometheus' tests). */
  parser?: ParseOptions;
  /**
   * workers: query worker threads that decode slices of long selections and run their kernels
   * beside the query's thread (shared/promql/parallel/pool.ts); none by default. The engine does
   * not own them: whoever made the pool closes it.
   */
  workers?: KernelPool | null;
}

export interface QueryOptions {
  lookbackDeltaMs?: number;
  timeoutMs?: number;
  /** signal: aborting it stops the query with QueryCanceledError. */
  signal?: AbortSignal;
}

export class Engine {
  readonly lookbackDeltaMs: number;
  readonly maxSamples: number;
  readonly timeoutMs: number;
  readonly subqueryStepMs: number;
  readonly sliceSamples: number;
  readonly #parser: ParseOptions;
  readonly #workers: KernelPool | null;

  constructor(o: EngineOptions = {}) {
    this.lookbackDeltaMs = o.lookbackDeltaMs ?? 300_000;
    this.maxSamples = o.maxSamples ?? 50_000_000;
    this.timeoutMs = o.timeoutMs ?? 120_000;
    this.subqueryStepMs = o.subqueryStepMs ?? 60_000;
    this.sliceSamples = o.sliceSamples ?? 250_000;
    this.#parser = o.parser ?? {};
    this.#workers = o.workers ?? null;
  }

  /**
   * instantQuery evaluates `query` at Unix ms `t`. Throws ParseError for a bad query,
   * QueryExecutionError (TooManySamplesError among them), QueryTimeoutError, QueryCanceledError.
   */
  async instantQuery(queryable: Queryable, query: string | Expr, t: number, opts: QueryOptions = {}): Promise<QueryResult> {
    return this.#run(queryable, query, t, t, 0, opts);
  }

  /** rangeQuery evaluates `query` at start, start + step, … ≤ end (Unix ms); same errors. */
  async rangeQuery(queryable: Queryable, query: string | Expr, start: number, end: number, step: number, opts: QueryOptions = {}): Promise<QueryResult> {
    if (!(step > 0)) throw new QueryExecutionError(`range query step must be positive, got ${step}ms`);
    if (end < start) throw new QueryExecutionError('range query end timestamp must not be before start time');
    return this.#run(queryable, query, start, end, step, opts);
  }

  async #run(queryable: Queryable, query: string | Expr, start: number, end: number, step: number, opts: QueryOptions): Promise<QueryResult> {
    const parsed = typeof query === 'string' ? parseExpr(query, this.#parser) : query;
    const text = typeof query === 'string' ? query : '';
    const expr = resolveDurations(parsed, { start, end, step, query: text });
    if (step > 0 && expr.type !== 'scalar' && expr.type !== 'vector') {
      throw new QueryExecutionError(`invalid expression type ${JSON.stringify(documentedType(expr.type))} for range query, must be Scalar or instant Vector`);
    }
    if (opts.signal?.aborted) throw new QueryCanceledError('query queue', { cause: opts.signal.reason });
    const lookbackMs = opts.lookbackDeltaMs ?? this.lookbackDeltaMs;
    const times = { start, end, step };
    const [mint, maxt] = timeBounds(expr, times, start, end, lookbackMs);
    const querier = queryable.querier(mint, maxt);
    try {
      const ctx = new EvalContext({
        querier, query: text, start, end, step, lookbackMs, subqueryStepMs: this.subqueryStepMs,
        maxSamples: this.maxSamples, sliceSamples: this.sliceSamples, deadline: Date.now() + (opts.timeoutMs ?? this.timeoutMs), signal: opts.signal,
        workers: this.#workers,
      });
      const steps = step > 0 ? Math.floor((end - start) / step) + 1 : 1;
      const grid: Grid = { start, step: step > 0 ? step : 1, steps };
      const v = await new Evaluator(ctx).eval(expr, grid);
      const value = step > 0 ? toMatrix(v, grid) : toInstant(v, start);
      return { value, warnings: ctx.annotations.warnings, infos: ctx.annotations.infos };
    } finally {
      querier.close();
    }
  }
}

/** finalRows removes names marked for removal, merging series that then share a label set. */
function finalRows(rows: Rows): Rows {
  let dropping = false;
  for (let i = 0; i < rows.count && !dropping; i++) dropping = rows.dropName[i] === 1;
  if (!dropping) return rows;
  const b = new RowsBuilder(rows.steps, rows.count);
  const s = rows.steps;
  for (let i = 0; i < rows.count; i++) {
    const l = rows.dropName[i] ? rows.labels[i].without(...METADATA) : rows.labels[i];
    const r = b.row(l, false);
    for (let j = 0; j < s; j++) if (rows.present[i * s + j]) b.set(r, j, rows.values[i * s + j]);
  }
  return b.finish();
}

function toInstant(v: EvalValue, t: number): QueryValue {
  switch (v.kind) {
    case 'scalar':
      return { resultType: 'scalar', t, f: v.values[0] };
    case 'string':
      return { resultType: 'string', t, value: v.value };
    case 'vector': {
      const rows = finalRows(v.rows);
      const samples: Sample[] = [];
      for (let i = 0; i < rows.count; i++) if (rows.present[i]) samples.push({ metric: rows.labels[i], t, f: rows.values[i] });
      return { resultType: 'vector', samples };
    }
    case 'matrix': {
      const series: Series[] = v.series.map((s) => ({ metric: s.labels, ts: s.ts, vs: s.vs }));
      series.sort((a, b) => a.metric.compare(b.metric));
      return { resultType: 'matrix', series };
    }
  }
}

/**
 * toMatrix: a range query's result. Its series' points are laid out in one pair of columns, series
 * after series in row order, and each series holds its slice of them (subarrays, no copies).
 */
function toMatrix(v: EvalValue, g: Grid): QueryValue {
  if (v.kind === 'scalar') {
    const ts = new Float64Array(g.steps);
    for (let j = 0; j < g.steps; j++) ts[j] = g.start + j * g.step;
    return { resultType: 'matrix', series: [{ metric: Labels.EMPTY, ts, vs: v.values.slice(0, g.steps) }] };
  }
  if (v.kind !== 'vector') throw new Error(`BUG: range query evaluated to ${v.kind}`);
  const rows = finalRows(v.rows);
  const { offsets, ts, vs } = rows.columns(g);
  const series: Series[] = [];
  for (let i = 0; i < rows.count; i++) {
    const a = offsets[i], b = offsets[i + 1];
    if (b > a) series.push({ metric: rows.labels[i], ts: ts.subarray(a, b), vs: vs.subarray(a, b) });
  }
  series.sort((a, b) => a.metric.compare(b.metric));
  return { resultType: 'matrix', series };
}
