/**
 * The query endpoints of the Prometheus HTTP API: `/api/v1/query`, `/api/v1/query_range` and
 * `/api/v1/format_query`, over a PromQL Engine and a Queryable. Parameters, limits, error types and
 * response shapes are Prometheus': at most 11,000 points per series, `timeout` and
 * `lookback_delta` per query, values as strings in Go's `'f'` format, times as Unix seconds. A query
 * whose client goes away is cancelled. Large results are written as JSON text directly.
 */
import type { Context, Hono } from 'hono';
import { ParseError, parseExpr, parseDuration } from '../promql/parser/index.ts';
import { formatExpr } from '../promql/format.ts';
import { Engine, QueryCanceledError, QueryExecutionError, QueryTimeoutError, type QueryResult, type QueryValue } from '../promql/engine/index.ts';
import type { Labels } from '../model/labels.ts';
import type { Queryable } from '../storage/interface.ts';
import { ApiError } from './respond.ts';
import { Params } from './params.ts';

/** The most points a range query may return per series, as Prometheus limits it. */
export const MAX_POINTS_PER_SERIES = 11_000;

/** formatValue renders a sample value as Prometheus' API does: Go's FormatFloat(v, 'f', -1, 64). */
export function formatValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // JavaScript switches to exponents below 1e-6 and from 1e21; Go's 'f' never does.
  const neg = s[0] === '-';
  const mantissa = s.slice(neg ? 1 : 0, e);
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + Number(s.slice(e + 1));
  const body =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}`
    : point >= digits.length ? digits + '0'.repeat(point - digits.length)
    : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${body}` : body;
}

/** formatTime renders Unix ms as the API's Unix seconds (a JSON number). */
function formatTime(ms: number): string {
  return String(ms / 1000);
}

function metricJSON(labels: Labels): string {
  return JSON.stringify(labels.toObject());
}

/** resultJSON renders a query value as the `data` object of a response. */
export function resultJSON(v: QueryValue): string {
  switch (v.resultType) {
    case 'scalar':
      return `{"resultType":"scalar","result":[${formatTime(v.t)},"${formatValue(v.f)}"]}`;
    case 'string':
      return `{"resultType":"string","result":[${formatTime(v.t)},${JSON.stringify(v.value)}]}`;
    case 'vector': {
      const parts = v.samples.map((s) => `{"metric":${metricJSON(s.metric)},"value":[${formatTime(s.t)},"${formatValue(s.f)}"]}`);
      return `{"resultType":"vector","result":[${parts.join(',')}]}`;
    }
    case 'matrix': {
      const parts: string[] = [];
      for (const s of v.series) {
        const points = s.floats.map((p) => `[${formatTime(p.t)},"${formatValue(p.f)}"]`);
        parts.push(`{"metric":${metricJSON(s.metric)},"values":[${points.join(',')}]}`);
      }
      return `{"resultType":"matrix","result":[${parts.join(',')}]}`;
    }
  }
}

function respond(c: Context, r: QueryResult) {
  let body = `{"status":"success","data":${resultJSON(r.value)}`;
  if (r.warnings.length) body += `,"warnings":${JSON.stringify(r.warnings)}`;
  if (r.infos.length) body += `,"infos":${JSON.stringify(r.infos)}`;
  return c.body(`${body}}`, 200, { 'content-type': 'application/json' });
}

/** durationParam reads a duration given as seconds (`15`, `1.5`) or a Prometheus duration (`1m`). */
function durationParam(p: Params, name: string): number | undefined {
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

/** translate turns engine errors into API errors; anything else is rethrown as a bug. */
function translate(err: unknown): never {
  if (err instanceof ParseError) throw new ApiError('bad_data', `invalid parameter "query": ${err.message}`, { cause: err });
  if (err instanceof QueryTimeoutError) throw new ApiError('timeout', err.message, { cause: err });
  if (err instanceof QueryCanceledError) throw new ApiError('canceled', err.message, { cause: err });
  if (err instanceof QueryExecutionError) throw new ApiError('execution', err.message, { cause: err });
  throw err;
}

/** queryRoutes registers the query endpoints on `app` (GET and form POST). */
export function queryRoutes(app: Hono, storage: Queryable, engine: Engine): void {
  const instant = async (c: Context) => {
    const p = await Params.read(c);
    const t = p.time('time', Date.now());
    const opts = { timeoutMs: durationParam(p, 'timeout'), lookbackDeltaMs: durationParam(p, 'lookback_delta'), signal: c.req.raw.signal };
    try {
      return respond(c, await engine.instantQuery(storage, p.get('query') ?? '', t, opts));
    } catch (err) {
      translate(err);
    }
  };
  app.get('/api/v1/query', instant);
  app.post('/api/v1/query', instant);

  const range = async (c: Context) => {
    const p = await Params.read(c);
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
    const opts = { timeoutMs: durationParam(p, 'timeout'), lookbackDeltaMs: durationParam(p, 'lookback_delta'), signal: c.req.raw.signal };
    try {
      return respond(c, await engine.rangeQuery(storage, p.get('query') ?? '', start, end, step, opts));
    } catch (err) {
      translate(err);
    }
  };
  app.get('/api/v1/query_range', range);
  app.post('/api/v1/query_range', range);

  const format = async (c: Context) => {
    const p = await Params.read(c);
    try {
      return c.json({ status: 'success', data: formatExpr(parseExpr(p.get('query') ?? '')) });
    } catch (err) {
      translate(err);
    }
  };
  app.get('/api/v1/format_query', format);
  app.post('/api/v1/format_query', format);
}
