/**
 * The series metadata endpoints of the Prometheus HTTP API: `/api/v1/labels`,
 * `/api/v1/label/<name>/values` and `/api/v1/series`, over any Queryable. Each takes `start`,
 * `end`, `match[]` and `limit` as Prometheus does; when more results exist than `limit`, the
 * response is cut and carries a warning.
 */
import type { Context, Hono } from 'hono';
import { parseMetricSelector, ParseError } from '../promql/parser/index.ts';
import type { Labels } from '../model/labels.ts';
import type { Matcher } from '../model/matcher.ts';
import type { Queryable } from '../storage/interface.ts';
import { ApiError, success } from './respond.ts';
import { MAX_TIME, MIN_TIME, Params } from './params.ts';

/** parseMatchers parses every `match[]` selector; a bad one is a bad_data ApiError naming it. */
export function parseMatchers(selectors: readonly string[]): Matcher[][] {
  return selectors.map((s) => {
    try {
      return parseMetricSelector(s);
    } catch (err) {
      if (err instanceof ParseError) throw new ApiError('bad_data', `invalid parameter "match[]": ${err.message}`);
      throw err;
    }
  });
}

function range(p: Params): { start: number; end: number } {
  const start = p.time('start', MIN_TIME);
  const end = p.time('end', MAX_TIME);
  if (end < start) throw new ApiError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
  return { start, end };
}

function limited<T>(items: T[], limit: number): { items: T[]; warnings: string[] } {
  if (limit === 0 || items.length <= limit) return { items, warnings: [] };
  return { items: items.slice(0, limit), warnings: ['results truncated due to limit'] };
}

/** Union of sorted string lists, sorted. */
function union(lists: string[][]): string[] {
  if (lists.length === 1) return lists[0];
  return [...new Set(lists.flat())].sort();
}

/** mergeSorted merges two label sets sorted by Labels.compare into one, without duplicates. */
function mergeSorted(a: Labels[], b: Labels[]): Labels[] {
  if (a.length === 0) return b;
  const out: Labels[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const d = a[i].compare(b[j]);
    out.push(d <= 0 ? a[i++] : b[j++]);
    if (d === 0) j++;
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** seriesRoutes registers the three endpoints on `app` (GET and form POST). */
export function seriesRoutes(app: Hono, storage: Queryable): void {
  const labels = async (c: Context) => {
    const p = await Params.read(c);
    const { start, end } = range(p);
    const sets = parseMatchers(p.all('match[]'));
    const q = storage.querier(start, end);
    try {
      const names = sets.length ? union(sets.map((m) => q.labelNames(m))) : q.labelNames();
      const { items, warnings } = limited(names, p.nonNegativeInt('limit', 0));
      return success(c, items, warnings);
    } finally {
      q.close();
    }
  };
  app.get('/api/v1/labels', labels);
  app.post('/api/v1/labels', labels);

  app.get('/api/v1/label/:name/values', async (c) => {
    const p = await Params.read(c);
    let name = c.req.param('name');
    // Prometheus 3 accepts UTF-8 names encoded as `U__` + escaped text; plain names pass unchanged.
    if (name.startsWith('U__')) name = unescapeUtf8Name(name);
    const { start, end } = range(p);
    const sets = parseMatchers(p.all('match[]'));
    const q = storage.querier(start, end);
    try {
      const values = sets.length ? union(sets.map((m) => q.labelValues(name, m))) : q.labelValues(name);
      const { items, warnings } = limited(values, p.nonNegativeInt('limit', 0));
      return success(c, items, warnings);
    } finally {
      q.close();
    }
  });

  const series = async (c: Context) => {
    const p = await Params.read(c);
    const selectors = p.all('match[]');
    if (selectors.length === 0) throw new ApiError('bad_data', 'no match[] parameter provided');
    const { start, end } = range(p);
    const sets = parseMatchers(selectors);
    const limit = p.nonNegativeInt('limit', 0);
    const q = storage.querier(start, end);
    try {
      // Each select is sorted by labels already: merge them, dropping the series two selectors share.
      let found: Labels[] = [];
      for (const m of sets) found = mergeSorted(found, q.select(m).series.map((s) => s.labels));
      const { items, warnings } = limited(found, limit);
      return success(c, items.map((l) => l.toObject()), warnings);
    } finally {
      q.close();
    }
  };
  app.get('/api/v1/series', series);
  app.post('/api/v1/series', series);
}

/** unescapeUtf8Name decodes Prometheus' `U__` label-name escaping (`_` = `__`, `_HEX_` = a code point). */
export function unescapeUtf8Name(escaped: string): string {
  const body = escaped.slice(3);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '_') {
      out += body[i];
      continue;
    }
    if (body[i + 1] === '_') {
      out += '_';
      i++;
      continue;
    }
    const end = body.indexOf('_', i + 1);
    const code = end > i + 1 ? Number.parseInt(body.slice(i + 1, end), 16) : NaN;
    if (!Number.isInteger(code) || code > 0x10ffff) throw new ApiError('bad_data', `invalid label name ${JSON.stringify(escaped)}: bad U__ escape`);
    out += String.fromCodePoint(code);
    i = end;
  }
  return out;
}
