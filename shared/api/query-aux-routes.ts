/**
 * The query endpoints that do not evaluate: `/api/v1/format_query` (the query printed the way
 * Prometheus prints it), `/api/v1/parse_query` (its syntax tree as JSON, see ast-json.ts) and
 * `/api/v1/query_exemplars`. Outpost stores no exemplars yet, so exemplar queries answer exactly
 * as Prometheus does with its exemplar storage disabled (its default): the parameters and the
 * query are checked the same way, a query without selectors gets 204 No Content, and any other
 * gets an empty list. GET and form POST, as Prometheus accepts both.
 */
import type { Context, Hono } from 'hono';
import { ParseError, parseExpr } from '../promql/parser/index.ts';
import { formatExpr } from '../promql/format.ts';
import { walk, type Expr } from '../promql/ast.ts';
import { ApiError, success } from './respond.ts';
import { MAX_TIME, MIN_TIME, Params } from './params.ts';
import { translate } from './query-routes.ts';
import { astJSON } from './ast-json.ts';

function parseQuery(p: Params): Expr {
  try {
    return parseExpr(p.get('query') ?? '');
  } catch (err) {
    translate(err);
  }
}

/** hasSelector tells whether a query reads any series (Prometheus' ExtractSelectors is non-empty). */
function hasSelector(e: Expr): boolean {
  let found = false;
  walk(e, (n) => {
    if (n.kind === 'VectorSelector') found = true;
    return !found;
  });
  return found;
}

/** queryAuxRoutes registers format_query, parse_query and query_exemplars on `app`. */
export function queryAuxRoutes(app: Hono): void {
  const format = async (c: Context) => success(c, formatExpr(parseQuery(await Params.read(c))));
  app.get('/api/v1/format_query', format);
  app.post('/api/v1/format_query', format);

  const parse = async (c: Context) => success(c, astJSON(parseQuery(await Params.read(c))));
  app.get('/api/v1/parse_query', parse);
  app.post('/api/v1/parse_query', parse);

  const exemplars = async (c: Context) => {
    const p = await Params.read(c);
    const start = p.time('start', MIN_TIME);
    const end = p.time('end', MAX_TIME);
    if (end < start) throw new ApiError('bad_data', 'end timestamp must not be before start timestamp');
    let expr: Expr;
    try {
      expr = parseExpr(p.get('query') ?? '');
    } catch (err) {
      // Prometheus reports this one without naming the parameter.
      if (err instanceof ParseError) throw new ApiError('bad_data', err.message, { cause: err });
      throw err;
    }
    if (!hasSelector(expr)) return c.body(null, 204);
    return success(c, []);
  };
  app.get('/api/v1/query_exemplars', exemplars);
  app.post('/api/v1/query_exemplars', exemplars);
}
