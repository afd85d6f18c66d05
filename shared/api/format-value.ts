/**
 * JSON rendering of query values as Prometheus' HTTP API writes them: sample values as strings in
 * Go's `'f'` format (`NaN`, `+Inf`, `-Inf` included), times as Unix seconds (JSON numbers), and
 * the `data` object of a query response (`resultType`, `result`). Results are written as JSON
 * text directly, since they can be large.
 */
import type { Labels } from '../model/labels.ts';
import type { QueryValue } from '../promql/engine/index.ts';

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
export function formatTime(ms: number): string {
  return String(ms / 1000);
}

function metricJSON(labels: Labels): string {
  return JSON.stringify(labels.toObject());
}

/**
 * resultJSON renders a query value as the `data` object of a response; `extra` (already JSON,
 * such as `"stats":{…}`) is appended inside it.
 */
export function resultJSON(v: QueryValue, extra = ''): string {
  const tail = extra ? `,${extra}}` : '}';
  switch (v.resultType) {
    case 'scalar':
      return `{"resultType":"scalar","result":[${formatTime(v.t)},"${formatValue(v.f)}"]${tail}`;
    case 'string':
      return `{"resultType":"string","result":[${formatTime(v.t)},${JSON.stringify(v.value)}]${tail}`;
    case 'vector': {
      const parts = v.samples.map((s) => `{"metric":${metricJSON(s.metric)},"value":[${formatTime(s.t)},"${formatValue(s.f)}"]}`);
      return `{"resultType":"vector","result":[${parts.join(',')}]${tail}`;
    }
    case 'matrix': {
      // A range query's series share their step times: each is formatted once.
      const times = new Map<number, string>();
      const parts: string[] = new Array(v.series.length);
      v.series.forEach((s, i) => {
        const points: string[] = new Array(s.floats.length);
        for (let k = 0; k < s.floats.length; k++) {
          const p = s.floats[k];
          let t = times.get(p.t);
          if (t === undefined) times.set(p.t, (t = `[${formatTime(p.t)},"`));
          points[k] = `${t}${formatValue(p.f)}"]`;
        }
        parts[i] = `{"metric":${metricJSON(s.metric)},"values":[${points.join(',')}]}`;
      });
      return `{"resultType":"matrix","result":[${parts.join(',')}]${tail}`;
    }
  }
}
