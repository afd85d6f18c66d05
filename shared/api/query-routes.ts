/**
 * The query endpoints of the Prometheus HTTP API: `/api/v1/query` and `/api/v1/query_range`, over
 * a PromQL Engine and a Queryable. Parameters, limits, error types and response shapes are
 * Prometheus': at most 11,000 points per series, `timeout` and `lookback_delta` per query,
 * `limit` (cuts the result, with a warning), `stats` (query statistics in `data.stats`), values
 * as strings in Go's `'f'` format, times as Unix seconds. A query whose client goes away is
 * cancelled: the request's AbortSignal reaches the engine, and the handler yields to the event
 * loop once before evaluating so that a disconnect that arrived meanwhile is seen.
 */
import type { Context, Hono } from 'hono';
import { ParseError, parseExpr, parseDuration } from '../promql/parser/index.ts';
import { Engine, QueryCanceledError, QueryExecutionError, QueryTimeoutError, type QueryResult, type QueryValue } from '../promql/engine/index.ts';
import type { Queryable } from '../storage/interface.ts';
import { ApiError, jsonResponse, partStream } from './respond.ts';
import { Params } from './params.ts';
import { JsonWriter } from './json-writer.ts';
import { resultSize, writeResultParts } from './result-json.ts';
import { SampleCounter, statsJSON } from './query-stats.ts';

export { formatValue } from './format-value.ts';

/** The most points a range query may return per series, as Prometheus limits it. */
export const MAX_POINTS_PER_SERIES = 11_000;

/** durationParam reads a duration given as seconds (`15`, `1.5`) or a Prometheus duration (`1m`). */
export function durationParam(p: Params, name: string): number | undefined {
  const raw = p.get(name);
  if (raw === undefined || raw === '') return undefined;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw)) {
    const ms = Math.round(Number(raw) * 1000);
    if (Number.isFinite(ms)) return ms;
  } else {
    try {
      return parseDuration(raw);
    } catch {
      // reported below
    }
  }
  throw new ApiError('bad_data', `invalid parameter "${name}": cannot parse ${JSON.stringify(raw)} to a valid duration`);
}

/** limitParam reads `limit` as Prometheus does: an integer, negative refused, 0 for none. */
export function limitParam(p: Params): number {
  const raw = p.get('limit');
  if (raw === undefined || raw === '') return 0;
  if (!/^[+-]?\d+$/.test(raw)) throw new ApiError('bad_data', `invalid parameter "limit": cannot parse ${JSON.stringify(raw)} as an integer`);
  const n = Number(raw);
  if (n < 0) throw new ApiError('bad_data', 'invalid parameter "limit": limit must be non-negative');
  return n;
}

/** translate turns engine errors into API errors; anything else is rethrown as a bug. */
export function translate(err: unknown): never {
  if (err instanceof ParseError) throw new ApiError('bad_data', `invalid parameter "query": ${err.message}`, { cause: err });
  if (err instanceof QueryTimeoutError) throw new ApiError('timeout', err.message, { cause: err });
  if (err instanceof QueryCanceledError) throw new ApiError('canceled', err.message, { cause: err });
  if (err instanceof QueryExecutionError) throw new ApiError('execution', err.message, { cause: err });
  throw err;
}

/** truncate cuts a vector or matrix to `limit` elements (0: no limit); true when it cut. */
function truncate(v: QueryValue, limit: number): [QueryValue, boolean] {
  if (limit <= 0) return [v, false];
  if (v.resultType === 'vector' && v.samples.length > limit) return [{ ...v, samples: v.samples.slice(0, limit) }, true];
  if (v.resultType === 'matrix' && v.series.length > limit) return [{ ...v, series: v.series.slice(0, limit) }, true];
  return [v, false];
}

/**
 * PART_BYTES: a response longer than this is sent in parts of about this size, each rendered into
 * its own buffer when the client has taken the part before (partStream), instead of into one
 * buffer the size of the response. Parts stay below glibc's mmap threshold (1 MiB, bin/outpost.js),
 * so their memory comes from the heap and is used again, where a 12 MB buffer was a fresh mapping
 * every time, its pages faulted in on first write and unmapped after. PART_CAPACITY leaves room
 * for the point or sample that takes a part past PART_BYTES.
 */
const PART_BYTES = 256 * 1024;
const PART_CAPACITY = PART_BYTES + 4096;

/** writeResponse writes a query's success response into `w`, pausing as writeResultParts does. */
function* writeResponse(w: JsonWriter, value: QueryValue, extra: string, warnings: readonly string[], infos: readonly string[]): Generator<void, void, void> {
  w.raw('{"status":"success","data":');
  yield* writeResultParts(w, value, extra, PART_BYTES);
  if (warnings.length) w.raw(`,"warnings":${JSON.stringify(warnings)}`);
  if (infos.length) w.raw(`,"infos":${JSON.stringify(infos)}`);
  w.raw('}');
}

type Run = (storage: Queryable, query: string, opts: { timeoutMs?: number; lookbackDeltaMs?: number; signal: AbortSignal }) => Promise<QueryResult>;

/**
 * execute parses and evaluates one query for a request and renders the response: `limit`
 * truncation, `stats`, warnings and infos included.
 */
async function execute(c: Context, p: Params, storage: Queryable, run: Run) {
  const began = performance.now();
  const limit = limitParam(p);
  const timeoutMs = durationParam(p, 'timeout');
  const lookbackDeltaMs = durationParam(p, 'lookback_delta');
  const stats = p.get('stats') ?? '';
  const signal = c.req.raw.signal;
  try {
    const query = p.get('query') ?? '';
    // The engine parses again (it needs the text for its annotations); this parse times the
    // preparation for `stats` and refuses a bad query before anything else is done.
    parseExpr(query);
    const parsed = performance.now();
    // Let a pending disconnect (or any other queued I/O) be seen before the engine takes the thread.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const counter = new SampleCounter();
    const evalStart = performance.now();
    const r = await run(stats ? counter.wrap(storage) : storage, query, { timeoutMs, lookbackDeltaMs, signal });
    const evalMs = performance.now() - evalStart;
    const [value, cut] = truncate(r.value, limit);
    const warnings = [...r.warnings];
    if (cut) warnings.push('results truncated due to limit');
    if (stats !== '' && stats !== 'true' && stats !== 'all') {
      warnings.push(`value ${JSON.stringify(stats)} for parameter "stats" is deprecated and will be rejected in the next major release, use "true" or "all"`);
    }
    const extra = stats ? `"stats":${statsJSON({ parseMs: parsed - began, evalMs, totalMs: performance.now() - began }, counter)}` : '';
    // The response is written as bytes and sent as it is (no string, no copy): whole when it fits
    // one part, else part by part as the client takes them (see PART_BYTES).
    const w = new JsonWriter(Math.min(resultSize(value), PART_CAPACITY));
    const parts = writeResponse(w, value, extra, warnings, r.infos);
    if (parts.next().done) return jsonResponse(w.bytes());
    return jsonResponse(partStream(w, parts, PART_CAPACITY));
  } catch (err) {
    translate(err);
  }
}

/** queryRoutes registers the two query endpoints on `app` (GET and form POST). */
export function queryRoutes(app: Hono, storage: Queryable, engine: Engine): void {
  const instant = async (c: Context) => {
    const p = await Params.read(c);
    const t = p.time('time', Date.now());
    return execute(c, p, storage, (s, query, opts) => engine.instantQuery(s, query, t, opts));
  };
  app.get('/api/v1/query', instant);
  app.post('/api/v1/query', instant);

  const range = async (c: Context) => {
    const p = await Params.read(c);
    limitParam(p);
    for (const name of ['start', 'end', 'step']) {
      if (!p.get(name)) throw new ApiError('bad_data', `invalid parameter "${name}": missing`);
    }
    const start = p.time('start', 0);
    const end = p.time('end', 0);
    if (end < start) throw new ApiError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
    const step = durationParam(p, 'step')!;
    if (step <= 0) throw new ApiError('bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
    if ((end - start) / step > MAX_POINTS_PER_SERIES) {
      throw new ApiError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    return execute(c, p, storage, (s, query, opts) => engine.rangeQuery(s, query, start, end, step, opts));
  };
  app.get('/api/v1/query_range', range);
  app.post('/api/v1/query_range', range);
}
